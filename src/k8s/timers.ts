// The timers of one ApiSource: every one goes through here so stop() can clear them all and no
// callback runs after it.

export class Timers {
  private readonly all = new Set<NodeJS.Timeout>();
  private isStopped = false;

  get stopped(): boolean {
    return this.isStopped;
  }

  /** `fn` every `ms` (unref'd: never keeps the process alive). */
  every(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setInterval(() => {
      if (!this.isStopped) fn();
    }, ms);
    t.unref();
    this.all.add(t);
    return t;
  }

  /** `fn` once after `ms`. */
  later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.all.delete(t);
      if (!this.isStopped) fn();
    }, ms);
    this.all.add(t);
    return t;
  }

  clear(t: NodeJS.Timeout | undefined): void {
    if (t === undefined) return;
    clearTimeout(t);
    clearInterval(t);
    this.all.delete(t);
  }

  stop(): void {
    this.isStopped = true;
    for (const t of this.all) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.all.clear();
  }
}
