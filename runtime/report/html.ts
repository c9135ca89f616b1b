/** Escaping and number formatting shared by the page and the SVG drawings. */

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text or attribute value, escaped for HTML and SVG. */
export function esc(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** JSON that is safe inside a `<script>` element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

export function formatCount(value: number | undefined | null): string {
  return value === undefined || value === null ? "–" : Math.round(value).toLocaleString("en");
}

export function formatMoney(value: number | undefined | null, currency = "EUR"): string {
  if (value === undefined || value === null) return "–";
  return value.toLocaleString("en", { style: "currency", currency, maximumFractionDigits: 0 });
}

export function formatDuration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 120) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatRatio(value: number | undefined | null, digits = 3): string {
  return value === undefined || value === null || !Number.isFinite(value) ? "–" : value.toFixed(digits);
}

export function formatPercent(value: number | undefined | null): string {
  return value === undefined || value === null || !Number.isFinite(value)
    ? "–"
    : `${(value * 100).toFixed(1)} %`;
}
