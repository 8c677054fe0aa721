import { defineProjectConfig } from './config.js';

export default defineProjectConfig();
