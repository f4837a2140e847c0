/** `1 layer`, `3 layers`; irregular plurals are passed in. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
