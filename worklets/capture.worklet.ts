// AudioWorklet processor: down-mixes the microphone to mono and hands 20 ms frames, each with its
// level, to whoever holds the other end of the MessagePort sent in a `connect` message (ports
// cannot travel in processorOptions, which are cloned without a transfer list).
// Runs on the audio thread: process() never allocates and never throws.

/** Messages the processor posts on its output port. */
export type CaptureOutMessage =
  { type: 'frame'; samples: Float32Array<ArrayBuffer>; level: number; dropped: number } | { type: 'stopped' };

/** Messages the processor accepts on its output port. */
export type CaptureInMessage = { type: 'recycle'; samples: Float32Array<ArrayBuffer> } | { type: 'stop' };

/** Message on the node's own port that says where frames go (the encoder worker, or the page). */
export interface CaptureConnectMessage {
  type: 'connect';
  port: MessagePort;
}

/** Options given to `new AudioWorkletNode(ctx, 'sotto-capture', { processorOptions })`. */
export interface CaptureProcessorOptions {
  /** Samples per frame: 20 ms at the context rate. */
  frameSamples: number;
}

/** Frames allocated up front; the consumer sends each back once it has read it. */
const POOL_SIZE = 16;

class CaptureProcessor extends AudioWorkletProcessor {
  private out: MessagePort | null = null;
  private readonly pool: Float32Array<ArrayBuffer>[] = [];
  private current: Float32Array<ArrayBuffer> | null;
  private filled = 0;
  private sumSquares = 0;
  private dropped = 0;
  private running = true;
  /** Reused for every frame (postMessage serialises at once), so a frame costs no new objects. */
  private readonly message: Extract<CaptureOutMessage, { type: 'frame' }>;
  private readonly transfer: ArrayBuffer[];

  constructor(options: { processorOptions?: unknown }) {
    super();
    const { frameSamples } = options.processorOptions as CaptureProcessorOptions;
    for (let i = 0; i < POOL_SIZE; i++) this.pool.push(new Float32Array(frameSamples));
    this.current = this.pool.pop() ?? null;
    const placeholder = new Float32Array(0);
    this.message = { type: 'frame', samples: placeholder, level: 0, dropped: 0 };
    this.transfer = [placeholder.buffer];
    this.port.onmessage = (event: MessageEvent<CaptureConnectMessage>) => {
      const out = event.data.port;
      out.onmessage = (message: MessageEvent<CaptureInMessage>) => {
        this.receive(out, message.data);
      };
      this.out = out;
    };
  }

  private receive(out: MessagePort, message: CaptureInMessage): void {
    if (message.type === 'recycle') {
      this.pool.push(message.samples);
      if (this.current === null) this.current = this.pool.pop() ?? null;
    } else {
      this.running = false;
      out.postMessage({ type: 'stopped' } satisfies CaptureOutMessage);
    }
  }

  process(inputs: Float32Array[][]): boolean {
    if (!this.running) return false;
    if (this.out === null) return true;
    const channels = inputs[0];
    if (channels === undefined || channels.length === 0) return true;
    const first = channels[0];
    if (first === undefined) return true;
    const count = channels.length;
    for (let i = 0; i < first.length; i++) {
      let sum = 0;
      for (let c = 0; c < count; c++) sum += (channels[c] as Float32Array)[i] as number;
      this.push(sum / count);
    }
    return true;
  }

  private push(sample: number): void {
    const frame = this.current;
    const out = this.out;
    if (frame === null || out === null) {
      // The consumer fell behind by a whole pool: count what is lost instead of allocating.
      this.dropped++;
      return;
    }
    frame[this.filled++] = sample;
    this.sumSquares += sample * sample;
    if (this.filled < frame.length) return;
    const message = this.message;
    message.samples = frame;
    message.level = Math.sqrt(this.sumSquares / frame.length);
    message.dropped = this.dropped;
    this.transfer[0] = frame.buffer;
    out.postMessage(message, this.transfer);
    this.current = this.pool.pop() ?? null;
    this.filled = 0;
    this.sumSquares = 0;
  }
}

registerProcessor('sotto-capture', CaptureProcessor);
