// Whether text survives the trip to UTF-8 unchanged. A lone UTF-16 surrogate ("a\uD800") is written
// as U+FFFD, so two different JavaScript strings would become one on the wire (and in a hash).

/** Whether `text` holds no lone surrogate (String.prototype.isWellFormed, ES2024; Node 20 has it). */
export function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}
