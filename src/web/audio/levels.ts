/** Lowest level the meter and the waveform show; quieter is drawn as silence. */
export const LEVEL_FLOOR_DB = -60;

/** RMS amplitude (0..1) to decibels relative to full scale, clamped to the floor. */
export function rmsToDb(rms: number): number {
  if (rms <= 0) return LEVEL_FLOOR_DB;
  return Math.max(LEVEL_FLOOR_DB, 20 * Math.log10(rms));
}

/** RMS amplitude to a 0..1 meter position on the dB scale. */
export function meterPosition(rms: number): number {
  return 1 - rmsToDb(rms) / LEVEL_FLOOR_DB;
}
