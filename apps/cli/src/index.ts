export { run, type CliIo } from './run.js';
export { COMMANDS } from './commands/index.js';
export { createBackup, type BackupOptions, type BackupReport } from './backup/create-backup.js';
export { restoreBackup, type RestoreOptions, type RestoreReport } from './backup/restore-backup.js';
