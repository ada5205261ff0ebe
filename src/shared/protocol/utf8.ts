import { ProtocolError } from './errors';

// Hand-written because TextEncoder/TextDecoder are not part of the ES2022 lib this folder compiles against.

/** UTF-8 length of a string (a lone surrogate counts 3, as its U+FFFD replacement would). */
export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}

/** Encodes a string as UTF-8; a lone surrogate (not encodable) throws BAD_UTF8. */
export function encodeUtf8(text: string, label: string): Uint8Array {
  const out = new Uint8Array(utf8Length(text));
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    let point = text.charCodeAt(i);
    if (point >= 0xd800 && point <= 0xdfff) {
      const low = text.charCodeAt(i + 1);
      if (point > 0xdbff || !isLowSurrogate(low)) {
        throw new ProtocolError('BAD_UTF8', `${label}: lone surrogate at index ${i}`);
      }
      point = 0x10000 + ((point - 0xd800) << 10) + (low - 0xdc00);
      i++;
    }
    if (point < 0x80) {
      out[at++] = point;
    } else if (point < 0x800) {
      out[at++] = 0xc0 | (point >> 6);
      out[at++] = 0x80 | (point & 0x3f);
    } else if (point < 0x10000) {
      out[at++] = 0xe0 | (point >> 12);
      out[at++] = 0x80 | ((point >> 6) & 0x3f);
      out[at++] = 0x80 | (point & 0x3f);
    } else {
      out[at++] = 0xf0 | (point >> 18);
      out[at++] = 0x80 | ((point >> 12) & 0x3f);
      out[at++] = 0x80 | ((point >> 6) & 0x3f);
      out[at++] = 0x80 | (point & 0x3f);
    }
  }
  return out;
}

/** Decodes strict UTF-8 (no overlongs, surrogates, code points above U+10FFFF or truncated sequences; BAD_UTF8). */
export function decodeUtf8(bytes: Uint8Array, label: string): string {
  const units: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      units.push(lead);
      i += 1;
      continue;
    }
    // Unicode Table 3-7: the lead byte fixes the sequence length and the range of the second byte.
    let length: number;
    let min = 0x80;
    let max = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) min = 0xa0;
      if (lead === 0xed) max = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) min = 0x90;
      if (lead === 0xf4) max = 0x8f;
    } else {
      throw badUtf8(label, i);
    }
    if (i + length > bytes.length) throw badUtf8(label, i);
    const second = bytes[i + 1] ?? 0;
    if (second < min || second > max) throw badUtf8(label, i);
    let point = (lead & (0xff >> (length + 1))) * 64 + (second & 0x3f);
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k] ?? 0;
      if ((next & 0xc0) !== 0x80) throw badUtf8(label, i);
      point = point * 64 + (next & 0x3f);
    }
    if (point < 0x10000) {
      units.push(point);
    } else {
      point -= 0x10000;
      units.push(0xd800 + (point >> 10), 0xdc00 + (point & 0x3ff));
    }
    i += length;
  }
  let text = '';
  for (let start = 0; start < units.length; start += 4096) {
    text += String.fromCharCode(...units.slice(start, start + 4096));
  }
  return text;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function badUtf8(label: string, offset: number): ProtocolError {
  return new ProtocolError('BAD_UTF8', `${label}: invalid UTF-8 at byte ${offset}`);
}
