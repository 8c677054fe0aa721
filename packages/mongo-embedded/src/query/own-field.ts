import type { Document } from 'bson';

/**
 * Sets `out[name]` as bson's deserializer does: a field named `__proto__` becomes an own
 * property (defined, since assigning it would replace the prototype), any other name is assigned.
 */
export function setField(out: Document, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(out, name, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    out[name] = value;
  }
}
