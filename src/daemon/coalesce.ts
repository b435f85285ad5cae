// Two small timing rules of the loop, kept apart so they are tested on their own:
// one reconcile at a time (requests made meanwhile become exactly one more run), and a
// trailing debounce for bursts of file events.

/** Runs `work` serially; requests while it runs coalesce into a single follow-up run. */
export class SerialRunner {
  private running = false;
  private pendingReasons: string[] = [];
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    /** `reason` is `reasons` joined; `reasons` lists each request coalesced into this run. */
    private readonly work: (reason: string, reasons: string[]) => Promise<void>,
    /** A run that throws is reported here; the runner keeps serving requests. */
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  request(reason: string): void {
    if (this.stopped) return;
    if (this.running) {
      if (!this.pendingReasons.includes(reason)) this.pendingReasons.push(reason);
      return;
    }
    this.running = true;
    this.idle = this.loop(reason);
  }

  /** Resolves when no run is in progress and none is pending. */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  /** No new run starts; the one in progress finishes (await whenIdle()). */
  stop(): void {
    this.stopped = true;
  }

  private async loop(first: string): Promise<void> {
    let reasons = [first];
    try {
      for (;;) {
        await this.work(reasons.join(', '), reasons).catch(this.onError);
        if (this.pendingReasons.length === 0 || this.stopped) break;
        reasons = this.pendingReasons;
        this.pendingReasons = [];
      }
    } finally {
      this.running = false;
      this.pendingReasons = [];
    }
  }
}

/** Calls `fire` once `ms` have passed without another poke (trailing edge). */
export class Debouncer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly fire: () => void,
  ) {}

  poke(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, this.ms);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
