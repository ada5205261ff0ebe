// UTF-8 by hand: TextEncoder/TextDecoder are missing from lib ES2022 and from AudioWorklet scope.

const REPLACEMENT = 0xfffd;
const REPLACEMENT_CHAR = '\ufffd';

/** Encodes a string as UTF-8; lone surrogates become U+FFFD. */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      } else {
        cp = REPLACEMENT;
      }
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
      cp = REPLACEMENT;
    }
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else {
      out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    }
  }
  return Uint8Array.from(out);
}

/**
 * Decodes UTF-8 as the WHATWG decoder does: each maximal invalid subsequence (truncated,
 * overlong, surrogate or out-of-range) becomes one U+FFFD.
 */
export function utf8Decode(bytes: Uint8Array): string {
  let text = '';
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    i++;
    if (lead < 0x80) {
      text += String.fromCharCode(lead);
      continue;
    }
    let need: number;
    let cp: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) [need, cp] = [1, lead & 0x1f];
    else if (lead >= 0xe0 && lead <= 0xef) {
      [need, cp] = [2, lead & 0x0f];
      if (lead === 0xe0) lower = 0xa0; // overlong
      if (lead === 0xed) upper = 0x9f; // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      [need, cp] = [3, lead & 0x07];
      if (lead === 0xf0) lower = 0x90; // overlong
      if (lead === 0xf4) upper = 0x8f; // above U+10FFFF
    } else {
      text += REPLACEMENT_CHAR;
      continue;
    }
    for (; need > 0; need--) {
      const next = bytes[i];
      if (next === undefined || next < lower || next > upper) break;
      cp = (cp << 6) | (next & 0x3f);
      [lower, upper] = [0x80, 0xbf];
      i++;
    }
    text += need > 0 ? REPLACEMENT_CHAR : String.fromCodePoint(cp);
  }
  return text;
}
