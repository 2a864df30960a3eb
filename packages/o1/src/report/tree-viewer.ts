import { writeFileAtomic } from '@o1lab/core';
import { escapeHtml, htmlPage } from './html.js';
import {
  type NormalisedTree,
  normaliseTree,
  type TreeFieldValue,
  type TreeViewNode,
} from './tree-normalise.js';

/** Options of {@link renderTreeViewer}. */
export interface TreeViewerOptions {
  /** Page title. @default `Search tree (<kind>)` */
  readonly title?: string;
  /** Levels below the root shown expanded when the page opens. @default 2 */
  readonly openDepth?: number;
}

/** Default of {@link TreeViewerOptions.openDepth}. */
export const DEFAULT_TREE_OPEN_DEPTH = 2;

/** Fields shown in a node's one-line summary, with their labels. */
const BADGES: readonly (readonly [string, string])[] = [
  ['visitCount', 'visits'],
  ['meanValue', 'Q'],
  ['value', 'value'],
  ['score', 'score'],
  ['prior', 'prior'],
  ['answer', 'answer'],
];

/**
 * A self-contained HTML page (inline CSS and script, nothing loaded) that shows a search result's
 * `tree`: every node with its step text, score / value, visits and prior, expandable and collapsible,
 * with a text filter. Trees of unknown shape are shown as collapsible JSON. All text from the tree is
 * escaped: model output is data, never markup.
 */
export function renderTreeViewer(tree: unknown, options: TreeViewerOptions = {}): string {
  const normalised = normaliseTree(tree);
  const openDepth = options.openDepth ?? DEFAULT_TREE_OPEN_DEPTH;
  if (normalised === null) {
    const title = options.title ?? 'Search tree (unrecognised shape: raw JSON)';
    const body = `<h1>${escapeHtml(title)}</h1>\n<div class="json">${jsonView(tree, 'tree', 0, openDepth, new WeakSet())}</div>`;
    return htmlPage({ title, body, css: VIEWER_CSS });
  }
  const title = options.title ?? `Search tree (${normalised.kind})`;
  const body =
    `<h1>${escapeHtml(title)}</h1>\n` +
    `<p class="summary"><span id="node-count">${normalised.nodes.length} nodes</span>, ${escapeHtml(normalised.kind)} tree. ` +
    `${summaryText(normalised)}</p>\n` +
    configMarkup(normalised) +
    '<p class="controls"><button type="button" id="expand-all">Expand all</button> ' +
    '<button type="button" id="collapse-all">Collapse all</button> ' +
    '<input type="search" id="filter" placeholder="filter by step text" aria-label="filter by step text"> ' +
    '<span id="filter-count"></span></p>\n' +
    `<ul class="tree">\n${treeMarkup(normalised, openDepth)}\n</ul>`;
  return htmlPage({ title, body, css: VIEWER_CSS, script: VIEWER_SCRIPT });
}

/** Writes {@link renderTreeViewer}'s page to `path`, atomically. */
export async function writeTreeViewer(
  path: string,
  tree: unknown,
  options: TreeViewerOptions = {},
): Promise<void> {
  await writeFileAtomic(path, renderTreeViewer(tree, options));
}

function summaryText(tree: NormalisedTree): string {
  return Object.entries(tree.summary)
    .filter(([key]) => key !== 'config')
    .map(([key, value]) => `${escapeHtml(key)}: ${escapeHtml(displayValue(value))}`)
    .join(', ');
}

/** The config that made the tree (searchers store it in the tree), collapsed. */
function configMarkup(tree: NormalisedTree): string {
  const config = tree.summary.config;
  if (typeof config !== 'string') return '';
  let pretty = config;
  try {
    pretty = JSON.stringify(JSON.parse(config), null, 2);
  } catch {
    // A config that is plain text is shown as it is.
  }
  return `<details class="config"><summary>config</summary><pre>${escapeHtml(pretty)}</pre></details>\n`;
}

/** Nested lists from the roots down; nodes left unreached (a malformed parent cycle) are drawn as roots. */
function treeMarkup(tree: NormalisedTree, openDepth: number): string {
  const children = new Map<number | null, TreeViewNode[]>();
  for (const node of tree.nodes) {
    const siblings = children.get(node.parent);
    if (siblings === undefined) children.set(node.parent, [node]);
    else siblings.push(node);
  }
  const drawn = new Set<number>();
  const draw = (node: TreeViewNode, depth: number): string => {
    drawn.add(node.id);
    const kids = (children.get(node.id) ?? []).filter((c) => !drawn.has(c.id));
    const inner = kids.map((c) => draw(c, depth + 1)).join('\n');
    return (
      `<li><details class="node${node.fields.chosen === true ? ' chosen' : ''}"${depth < openDepth ? ' open' : ''}>` +
      `<summary>${nodeSummary(node, kids.length)}</summary>\n${nodeBody(node)}` +
      (inner === '' ? '' : `<ul>\n${inner}\n</ul>`) +
      '</details></li>'
    );
  };
  const parts = (children.get(null) ?? []).map((root) => draw(root, 0));
  for (const node of tree.nodes) if (!drawn.has(node.id)) parts.push(draw(node, 0));
  return parts.join('\n');
}

function nodeSummary(node: TreeViewNode, numChildren: number): string {
  const firstLine = node.text.split('\n', 1)[0] ?? '';
  const text = node.text === '' ? '<span class="root">(root)</span>' : escapeHtml(clip(firstLine, 120));
  const badges = BADGES.filter(([key]) => node.fields[key] !== undefined && node.fields[key] !== null).map(
    ([key, label]) => `${label} ${escapeHtml(displayValue(node.fields[key]!))}`,
  );
  if (numChildren > 0) badges.push(`${numChildren} children`);
  const star = node.fields.chosen === true ? '<span class="star" title="chosen">&#9733;</span> ' : '';
  return `${star}<span class="nid">#${node.id}</span> <span class="step">${text}</span> <span class="badges">${badges.join(' · ')}</span>`;
}

function nodeBody(node: TreeViewNode): string {
  const rows = Object.entries(node.fields)
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(displayValue(value))}</td></tr>`)
    .join('');
  return `<div class="body"><pre>${escapeHtml(node.text)}</pre><table>${rows}</table></div>\n`;
}

function displayValue(value: TreeFieldValue): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  return value === null ? 'null' : String(value);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Collapsible view of any JSON value; a cycle (not JSON, but possible in an object) is marked, not followed. */
function jsonView(
  value: unknown,
  key: string,
  depth: number,
  openDepth: number,
  seen: WeakSet<object>,
): string {
  const label = `<span class="key">${escapeHtml(key)}</span>`;
  if (typeof value !== 'object' || value === null) {
    return `<div class="leaf">${label}: <code>${escapeHtml(JSON.stringify(value) ?? String(value))}</code></div>`;
  }
  if (seen.has(value)) return `<div class="leaf">${label}: <code>(cycle)</code></div>`;
  seen.add(value);
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  const size = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  const inner = entries.map(([k, v]) => jsonView(v, k, depth + 1, openDepth, seen)).join('\n');
  return `<details${depth < openDepth ? ' open' : ''}><summary>${label} ${size}</summary>\n${inner}\n</details>`;
}

const VIEWER_CSS = `
ul.tree, ul.tree ul { list-style: none; padding-left: 1.2em; margin: 0; }
ul.tree { padding-left: 0; }
ul.tree ul { border-left: 1px dotted #b8b8c0; }
details.node > summary { cursor: pointer; padding: 1px 0; }
details.node.chosen > summary .step { font-weight: 600; }
details.node.match > summary { background: #fff3b0; }
.nid { color: #6b6b73; font: 12px ui-monospace, monospace; }
.step { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre; }
.badges { color: #3a5a8c; font-size: 12px; margin-left: 0.6em; }
.star { color: #c98a00; }
.root { color: #6b6b73; font-style: italic; }
.body { margin: 0.2em 0 0.4em 1.2em; }
.body pre { background: #f6f6f8; padding: 0.4em; margin: 0 0 0.3em; white-space: pre-wrap; max-width: 90ch; }
.body table { margin: 0 0 0.4em; font-size: 12px; }
.body th, .body td { padding: 1px 0.5em; }
.json details { margin-left: 1.2em; }
.json .leaf { margin-left: 2.4em; }
.key { color: #3a5a8c; }
`;

const VIEWER_SCRIPT = `(() => {
  const nodes = () => document.querySelectorAll('details.node');
  document.getElementById('expand-all').addEventListener('click', () => { for (const d of nodes()) d.open = true; });
  document.getElementById('collapse-all').addEventListener('click', () => { for (const d of nodes()) d.open = false; });
  const input = document.getElementById('filter');
  const count = document.getElementById('filter-count');
  input.addEventListener('input', () => {
    const query = input.value.trim().toLowerCase();
    let matches = 0;
    for (const d of nodes()) {
      const pre = d.querySelector(':scope > .body > pre');
      const hit = query !== '' && pre !== null && pre.textContent.toLowerCase().includes(query);
      d.classList.toggle('match', hit);
      if (!hit) continue;
      matches++;
      for (let p = d.parentElement.closest('details'); p !== null; p = p.parentElement.closest('details')) p.open = true;
    }
    count.textContent = query === '' ? '' : matches + ' matching';
  });
})();`;
