const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and quoted attribute values. Everything a report or a tree
 * view shows from a run (model output above all) passes through here: it is data, never markup.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Options of {@link htmlPage}. */
export interface HtmlPageOptions {
  readonly title: string;
  /** Markup of the body, already escaped. */
  readonly body: string;
  /** Extra CSS appended to the base style sheet. */
  readonly css?: string;
  /** Inline script (no `src`: pages are self-contained and load nothing). */
  readonly script?: string;
}

const BASE_CSS = `
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #1d1d1f; }
h1, h2, h3 { line-height: 1.2; }
table { border-collapse: collapse; margin: 0.8em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d0d5; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f6; }
figure { margin: 1em 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.verdict-true { color: #11713a; font-weight: 600; }
.verdict-false { color: #a3161b; font-weight: 600; }
.verdict-null { color: #6b6b73; font-weight: 600; }
`;

/** A complete, self-contained HTML page: inline CSS and script, no external resource. */
export function htmlPage(options: HtmlPageOptions): string {
  const script =
    options.script === undefined ? '' : `<script>\n${safeInlineScript(options.script)}\n</script>\n`;
  return (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escapeHtml(options.title)}</title>\n<style>${BASE_CSS}${options.css ?? ''}</style>\n</head>\n` +
    `<body>\n${options.body}\n${script}</body>\n</html>\n`
  );
}

/** Inline script text with `</` broken up, so no string in it can close the script element. */
function safeInlineScript(script: string): string {
  return script.replace(/<\//g, '<\\/');
}

/**
 * Prefixes the ids an SVG defines (and its `url(#id)` / `href="#id"` references), so several SVGs
 * inlined into one page cannot collide on clip paths or gradients.
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${prefix}-${id}"`);
}
