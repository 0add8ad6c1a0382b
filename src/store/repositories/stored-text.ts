/** Scopes are stored space-separated, as OAuth writes them. */
export const splitScopes = (s: string): string[] => s.split(' ').filter(Boolean);

/** Token data is stored as a JSON object; anything else reads as no data. */
export function parseData(s: string): Record<string, string> {
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}
