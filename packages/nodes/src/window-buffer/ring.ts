/** A fixed-capacity buffer keeping the newest items: O(1) insert, the oldest overwritten once full. */
export class Ring<T> {
  private readonly items: T[] = [];
  /** Once full: the slot of the oldest item, overwritten next. */
  private oldest = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    // Grows to capacity first, so a key with few readings does not reserve a whole window.
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    this.items[this.oldest] = item;
    this.oldest = this.oldest + 1 === this.capacity ? 0 : this.oldest + 1;
  }

  /** A copy, oldest first. */
  toArray(): T[] {
    if (this.oldest === 0) return this.items.slice();
    return this.items.slice(this.oldest).concat(this.items.slice(0, this.oldest));
  }
}
