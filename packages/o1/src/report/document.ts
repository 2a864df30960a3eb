import { escapeHtml, prefixSvgIds } from './html.js';

/**
 * A report as a list of blocks, rendered once to Markdown and once to HTML so the two never drift
 * apart. All text is plain text; each renderer escapes it for its own format.
 */
export type ReportBlock =
  | { readonly kind: 'heading'; readonly level: 1 | 2 | 3; readonly text: string }
  | { readonly kind: 'paragraph'; readonly text: string }
  | {
      readonly kind: 'table';
      readonly header: readonly string[];
      readonly rows: readonly (readonly string[])[];
    }
  | { readonly kind: 'figure'; readonly file: string; readonly caption: string }
  | { readonly kind: 'claim'; readonly title: string; readonly holds: boolean | null; readonly text: string };

/** Verdict words of a claim. */
export function verdictText(holds: boolean | null): string {
  return holds === null ? 'not shown' : holds ? 'holds' : 'does not hold';
}

/** Markdown, with figures as image links to the SVG files beside the report. */
export function blocksToMarkdown(blocks: readonly ReportBlock[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`${'#'.repeat(b.level)} ${markdownText(b.text)}`);
        break;
      case 'paragraph':
        out.push(markdownText(b.text));
        break;
      case 'table': {
        const row = (cells: readonly string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
        out.push([row(b.header), row(b.header.map(() => '---')), ...b.rows.map(row)].join('\n'));
        break;
      }
      case 'figure':
        out.push(`![${markdownText(b.caption)}](${b.file})`);
        break;
      case 'claim':
        out.push(`- **${markdownText(b.title)}: ${verdictText(b.holds)}.** ${markdownText(b.text)}`);
        break;
    }
  }
  return `${out.join('\n\n')}\n`;
}

/** HTML body markup, with figures inlined from `svgs` (keyed by file name). */
export function blocksToHtml(blocks: readonly ReportBlock[], svgs: Readonly<Record<string, string>>): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`<h${b.level}>${escapeHtml(b.text)}</h${b.level}>`);
        break;
      case 'paragraph':
        out.push(`<p>${escapeHtml(b.text)}</p>`);
        break;
      case 'table': {
        const head = b.header.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
        const body = b.rows
          .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
          .join('\n');
        out.push(`<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`);
        break;
      }
      case 'figure': {
        const svg = svgs[b.file];
        if (svg === undefined) break;
        const prefix = b.file.replace(/[^A-Za-z0-9]/g, '-');
        out.push(
          `<figure>${prefixSvgIds(svg, prefix)}<figcaption>${escapeHtml(b.caption)}</figcaption></figure>`,
        );
        break;
      }
      case 'claim':
        out.push(
          `<p><strong>${escapeHtml(b.title)}:</strong> <span class="verdict-${String(b.holds)}">${verdictText(b.holds)}</span>. ${escapeHtml(b.text)}</p>`,
        );
        break;
    }
  }
  return out.join('\n');
}

/** Plain text for Markdown: `<` escaped, so no text of the run becomes raw HTML in a Markdown viewer. */
function markdownText(text: string): string {
  return text.replace(/</g, '&lt;');
}

function markdownCell(text: string): string {
  return markdownText(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
