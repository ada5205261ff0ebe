/** Formats a duration as `m:ss` (or `m:ss.t` with tenths), e.g. for timers and positions. */
export function formatDuration(ms: number, tenths = false): string {
  const clamped = Math.max(0, ms);
  const totalTenths = Math.floor(clamped / 100);
  const minutes = Math.floor(totalTenths / 600);
  const seconds = Math.floor(totalTenths / 10) % 60;
  const base = `${minutes}:${String(seconds).padStart(2, '0')}`;
  return tenths ? `${base}.${totalTenths % 10}` : base;
}
