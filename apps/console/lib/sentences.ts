// Reasons are assembled from parts written in different places (kas's disconnect reason is a lower-case clause
// without a full stop); joined bare they run together ("…was revoked Create a token…").

/** The parts as separate sentences: each trimmed, capitalised and ended with a full stop; empty parts dropped. */
export function sentences(...parts: (string | null | undefined)[]): string {
  return parts
    .map((part) => (part ?? '').trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const capital = part[0]!.toUpperCase() + part.slice(1);
      return /[.!?…:]$/.test(capital) ? capital : `${capital}.`;
    })
    .join(' ');
}

/** `1 pod`, `2 pods`: a count with its noun. */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
