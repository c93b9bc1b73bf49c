/**
 * State from the event laid over state read live. Plain objects merge key by key (a logging
 * update that names one log type leaves the others as read); arrays and scalars are replaced.
 * `undefined` in the upper layer never hides a value below it.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

export function mergeState<T extends object>(below: Partial<T> | undefined, above: Partial<T>): T {
  if (!below) return above as T;
  const result: Record<string, unknown> = { ...below };
  for (const [key, value] of Object.entries(above)) {
    if (value === undefined) continue;
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? mergeState(current, value) : value;
  }
  return result as T;
}
