/**
 * Continuous DTMF tones back in the order they were pressed. ACS numbers each
 * ContinuousDtmfRecognitionToneReceived with a sequenceId, but callbacks can arrive out of order,
 * twice, or not at all. The sequencer releases tones in sequence order: a tone that arrives ahead
 * of a missing one is held until the gap fills, or until its owner gives up on the gap
 * (`skipGap`, after a short wait). A sequence id already released or held is a duplicate and is
 * dropped; so is a tone that arrives after its gap was given up (it would be out of order).
 *
 * Where the numbering starts is not known (it may go on from an earlier recognition on the same
 * call): a first tone numbered `firstSequenceId` is released at once; any other first tone is
 * held like one after a gap.
 */

/** Held tones beyond which the oldest gap is given up at once (a stream that lost many tones). */
const MAX_HELD = 64;

export class ToneSequencer<T> {
  private next?: number;
  private readonly held = new Map<number, T>();

  constructor(private readonly firstSequenceId = 1) {}

  /** True while tones wait for a missing one (the owner should call skipGap after a short wait). */
  get holding(): boolean {
    return this.held.size > 0;
  }

  /** A tone arrived: the tones now ready, in order (maybe none, maybe several). */
  push(sequenceId: number | undefined, item: T): T[] {
    // A tone without a usable number cannot be ordered: it goes out as it comes.
    if (sequenceId === undefined || !Number.isSafeInteger(sequenceId)) return [item];
    if (this.next !== undefined && sequenceId < this.next) return [];
    if (this.held.has(sequenceId)) return [];
    this.held.set(sequenceId, item);
    if (this.next === undefined && sequenceId === this.firstSequenceId) this.next = sequenceId;
    const ready = this.release();
    return this.held.size > MAX_HELD ? [...ready, ...this.skipGap()] : ready;
  }

  /** Stop waiting for the missing tone(s): release from the lowest held tone on. */
  skipGap(): T[] {
    if (this.held.size === 0) return [];
    this.next = Math.min(...this.held.keys());
    return this.release();
  }

  /** The recognition ended: everything still held, in order. */
  drain(): T[] {
    const out: T[] = [];
    while (this.held.size > 0) out.push(...this.skipGap());
    return out;
  }

  private release(): T[] {
    const out: T[] = [];
    if (this.next === undefined) return out;
    while (this.held.has(this.next)) {
      out.push(this.held.get(this.next) as T);
      this.held.delete(this.next);
      this.next += 1;
    }
    return out;
  }
}
