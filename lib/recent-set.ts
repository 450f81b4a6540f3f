/**
 * A set that remembers only its most recent `capacity` entries: once full, adding forgets the
 * oldest (Sets iterate in insertion order). For de-duplication and "recently ended" memories
 * that must stay bounded whatever the traffic.
 */
export class RecentSet {
  private readonly items = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.items.has(id);
  }

  add(id: string): void {
    this.items.add(id);
    if (this.items.size > this.capacity) {
      const oldest = this.items.values().next().value;
      if (oldest !== undefined) this.items.delete(oldest);
    }
  }

  delete(id: string): void {
    this.items.delete(id);
  }

  clear(): void {
    this.items.clear();
  }

  get size(): number {
    return this.items.size;
  }
}
