import type { Reader, Writer } from './bytes';
import { ProtocolError, type ErrorCode } from './errors';
import { decodeUtf8, encodeUtf8, utf8Length } from './utf8';

/** How one wire field is sized (checking length limits), written and read; `label` names it in errors. */
export interface Field<T> {
  /** Encoded size in bytes; throws FIELD_TOO_LARGE when a length or count exceeds its limit. */
  size(value: T, label: string): number;
  /** Writes the value; throws BAD_VALUE for values out of range. */
  write(writer: Writer, value: T, label: string): void;
  /** Reads and validates a value. */
  read(reader: Reader, label: string): T;
}

/** A field whose value type is erased, for tables of heterogeneous fields (any Field<T> is assignable). */
interface ErasedField {
  size(value: unknown, label: string): number;
  write(writer: Writer, value: unknown, label: string): void;
  read(reader: Reader, label: string): unknown;
}

function tooLarge(label: string, what: string, limit: number): ProtocolError {
  return new ProtocolError('FIELD_TOO_LARGE', `${label}: ${what}, limit ${limit}`);
}

/** Unsigned 16-bit little-endian integer. */
export const u16: Field<number> = {
  size: () => 2,
  write: (w, v, label) => {
    w.u16(v, label);
  },
  read: (r, label) => r.u16(label),
};

/** Unsigned 32-bit little-endian integer. */
export const u32: Field<number> = {
  size: () => 4,
  write: (w, v, label) => {
    w.u32(v, label);
  },
  read: (r, label) => r.u32(label),
};

/** Unsigned 64-bit little-endian integer, limited to Number.MAX_SAFE_INTEGER. */
export const u64: Field<number> = {
  size: () => 8,
  write: (w, v, label) => {
    w.u64(v, label);
  },
  read: (r, label) => r.u64(label),
};

/** A u8 that is exactly 0 (false) or 1 (true). */
export const bool: Field<boolean> = {
  size: () => 1,
  write: (w, v, label) => {
    w.u8(v ? 1 : 0, label);
  },
  read: (r, label) => {
    const value = r.u8(label);
    if (value > 1) throw new ProtocolError('BAD_VALUE', `${label}: boolean byte ${value}`);
    return value === 1;
  },
};

/** An integer field limited to min..max: below min is BAD_VALUE, above max FIELD_TOO_LARGE; branded as T. */
export function range<T extends number>(inner: Field<number>, min: number, max: number): Field<T> {
  const check = (value: number, label: string): void => {
    if (value > max) throw tooLarge(label, String(value), max);
    if (value < min) throw new ProtocolError('BAD_VALUE', `${label}: ${value} is below ${min}`);
  };
  return {
    size: () => inner.size(0, ''),
    write: (w, v, label) => {
      check(v, label);
      inner.write(w, v, label);
    },
    read: (r, label) => {
      const value = inner.read(r, label);
      check(value, label);
      return value as T;
    },
  };
}

/** Exactly `length` bytes (an id or key), read as a copy and branded as T. */
export function fixed<T extends Uint8Array>(length: number): Field<T> {
  return {
    size: () => length,
    write: (w, v, label) => {
      if (v.length !== length) {
        throw new ProtocolError('BAD_VALUE', `${label}: ${v.length} bytes, expected ${length}`);
      }
      w.raw(v);
    },
    read: (r, label) => r.copy(length, label) as T,
  };
}

/** u32 length + bytes, at most `max`; read as a view into the input (no copy). */
export function bytes(max: number): Field<Uint8Array> {
  return {
    size: (v, label) => {
      if (v.length > max) throw tooLarge(label, `${v.length} bytes`, max);
      return 4 + v.length;
    },
    write: (w, v, label) => {
      w.u32(v.length, label);
      w.raw(v);
    },
    read: (r, label) => {
      const length = r.u32(label);
      if (length > max) throw tooLarge(label, `${length} bytes`, max);
      return r.take(length, label);
    },
  };
}

/** u16 length + strict UTF-8, at most `max` bytes. */
export function string(max: number): Field<string> {
  return {
    size: (v, label) => {
      const length = utf8Length(v);
      if (length > max) throw tooLarge(label, `${length} UTF-8 bytes`, max);
      return 2 + length;
    },
    write: (w, v, label) => {
      const encoded = encodeUtf8(v, label);
      w.u16(encoded.length, label);
      w.raw(encoded);
    },
    read: (r, label) => {
      const length = r.u16(label);
      if (length > max) throw tooLarge(label, `${length} UTF-8 bytes`, max);
      return decodeUtf8(r.take(length, label), label);
    },
  };
}

/** A string field whose value must satisfy a guard (BAD_VALUE otherwise). */
export function oneOf<T extends string>(
  inner: Field<string>,
  guard: (value: string) => value is T,
): Field<T> {
  const check = (value: string, label: string): T => {
    if (!guard(value)) {
      throw new ProtocolError('BAD_VALUE', `${label}: unknown value ${JSON.stringify(value)}`);
    }
    return value;
  };
  return {
    size: (v, label) => inner.size(v, label),
    write: (w, v, label) => {
      inner.write(w, check(v, label), label);
    },
    read: (r, label) => check(inner.read(r, label), label),
  };
}

/** A string enum as a u8: the i-th value is encoded as i + 1 (0 is never valid). */
export function enumeration<T extends string>(values: readonly T[]): Field<T> {
  return {
    size: () => 1,
    write: (w, v, label) => {
      const index = values.indexOf(v);
      if (index < 0) throw new ProtocolError('BAD_VALUE', `${label}: unknown value ${JSON.stringify(v)}`);
      w.u8(index + 1, label);
    },
    read: (r, label) => {
      const code = r.u8(label);
      const value = values[code - 1];
      if (value === undefined) throw new ProtocolError('BAD_VALUE', `${label}: unknown value ${code}`);
      return value;
    },
  };
}

/** u16 count + items, at most `max` items. */
export function array<T>(item: Field<T>, max: number): Field<readonly T[]> {
  return {
    size: (v, label) => {
      if (v.length > max) throw tooLarge(label, `${v.length} items`, max);
      let total = 2;
      for (const element of v) total += item.size(element, label);
      return total;
    },
    write: (w, v, label) => {
      w.u16(v.length, label);
      for (const element of v) item.write(w, element, label);
    },
    read: (r, label) => {
      const count = r.u16(label);
      if (count > max) throw tooLarge(label, `${count} items`, max);
      const out: T[] = [];
      for (let i = 0; i < count; i++) out.push(item.read(r, label));
      return out;
    },
  };
}

/** u8 presence flag (exactly 0 or 1) + the value when present. */
export function nullable<T>(inner: Field<T>): Field<T | null> {
  return {
    size: (v, label) => (v === null ? 1 : 1 + inner.size(v, label)),
    write: (w, v, label) => {
      w.u8(v === null ? 0 : 1, label);
      if (v !== null) inner.write(w, v, label);
    },
    read: (r, label) => (bool.read(r, label) ? inner.read(r, label) : null),
  };
}

/** A field per property, in wire order. */
export type Fields<T> = { readonly [K in keyof T]-?: Field<T[K]> };

/** Properties in declaration order; each is labelled `name.property` in errors (the outer label is ignored). */
export function struct<T extends object>(name: string, fields: Fields<T>): Field<T> {
  const entries = Object.entries(fields as Record<string, ErasedField>).map(([key, field]) => ({
    key,
    field,
    label: `${name}.${key}`,
  }));
  return {
    size: (v) => {
      let total = 0;
      for (const { key, field, label } of entries) total += field.size(property(v, key), label);
      return total;
    },
    write: (w, v) => {
      for (const { key, field, label } of entries) field.write(w, property(v, key), label);
    },
    read: (r) => {
      const out: Record<string, unknown> = {};
      for (const { key, field, label } of entries) out[key] = field.read(r, label);
      return out as T;
    },
  };
}

function property(value: object, key: string): unknown {
  return (value as Record<string, unknown>)[key];
}

/** The variants of a union discriminated by `type`: a u8 tag and the fields other than `type`. */
export type Variants<U extends { readonly type: string }> = {
  readonly [K in U['type']]: readonly [
    tag: number,
    fields: Field<Omit<Extract<U, { readonly type: K }>, 'type'>>,
  ];
};

/** A u8 tag selecting a variant of a union discriminated by `type`; an unknown tag throws `unknownCode`. */
export function variants<U extends { readonly type: string }>(
  name: string,
  table: Variants<U>,
  unknownCode: ErrorCode,
): Field<U> {
  const byType = new Map<string, { tag: number; field: ErasedField }>();
  const byTag: ({ type: string; field: ErasedField } | undefined)[] = [];
  for (const [type, [tag, field]] of Object.entries(
    table as Record<string, readonly [number, ErasedField]>,
  )) {
    byType.set(type, { tag, field });
    byTag[tag] = { type, field };
  }
  const variantOf = (value: U): { tag: number; field: ErasedField } => {
    const variant = byType.get(value.type);
    if (variant === undefined) {
      throw new ProtocolError('BAD_VALUE', `${name}: unknown type ${JSON.stringify(value.type)}`);
    }
    return variant;
  };
  return {
    size: (v, label) => 1 + variantOf(v).field.size(v, label),
    write: (w, v, label) => {
      const { tag, field } = variantOf(v);
      w.u8(tag, label);
      field.write(w, v, label);
    },
    read: (r, label) => {
      const tag = r.u8(label);
      const variant = byTag[tag];
      if (variant === undefined) {
        throw new ProtocolError(
          unknownCode,
          `${name}: unknown type code 0x${tag.toString(16).padStart(2, '0')}`,
        );
      }
      return { type: variant.type, ...(variant.field.read(r, label) as object) } as U;
    },
  };
}
