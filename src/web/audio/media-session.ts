// Media Session integration: lock-screen / headset controls and position for the player.

/** What the Media Session can ask a player to do. */
export interface MediaSessionTarget {
  play(): void;
  pause(): void;
  seek(positionMs: number): void;
  readonly positionMs: number;
  readonly durationMs: number;
  readonly speed: number;
}

/** Seconds the "skip" actions jump. */
const SKIP_SECONDS = 10;

function session(): MediaSession | null {
  return 'mediaSession' in navigator ? navigator.mediaSession : null;
}

/** Takes over the Media Session for `target`; returns the function that releases it. */
export function bindMediaSession(target: MediaSessionTarget, title: string): () => void {
  const media = session();
  if (media === null) return () => undefined;
  media.metadata = new MediaMetadata({ title, artist: 'Sotto' });
  const handlers: [MediaSessionAction, MediaSessionActionHandler][] = [
    [
      'play',
      () => {
        target.play();
      },
    ],
    [
      'pause',
      () => {
        target.pause();
      },
    ],
    [
      'stop',
      () => {
        target.pause();
      },
    ],
    [
      'seekto',
      (details) => {
        target.seek((details.seekTime ?? 0) * 1000);
      },
    ],
    [
      'seekbackward',
      (details) => {
        target.seek(target.positionMs - (details.seekOffset ?? SKIP_SECONDS) * 1000);
      },
    ],
    [
      'seekforward',
      (details) => {
        target.seek(target.positionMs + (details.seekOffset ?? SKIP_SECONDS) * 1000);
      },
    ],
  ];
  for (const [action, handler] of handlers) {
    try {
      media.setActionHandler(action, handler);
    } catch {
      // Not every browser knows every action.
    }
  }
  return () => {
    for (const [action] of handlers) {
      try {
        media.setActionHandler(action, null);
      } catch {
        // As above.
      }
    }
    media.metadata = null;
    media.playbackState = 'none';
  };
}

/** Tells the Media Session where playback is. */
export function updateMediaSession(target: MediaSessionTarget, playing: boolean): void {
  const media = session();
  if (media === null) return;
  media.playbackState = playing ? 'playing' : 'paused';
  if (target.durationMs <= 0) return;
  try {
    media.setPositionState({
      duration: target.durationMs / 1000,
      playbackRate: target.speed,
      position: Math.min(target.positionMs, target.durationMs) / 1000,
    });
  } catch {
    // Rejected states (e.g. during a seek) are harmless to skip.
  }
}
