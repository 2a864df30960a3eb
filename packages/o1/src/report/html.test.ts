import { describe, expect, it } from 'vitest';
import { escapeHtml, htmlPage, prefixSvgIds } from './html.js';

describe('escapeHtml', () => {
  it('escapes the five characters that can start markup or end an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(escapeHtml('plain 1 + 2 = 3')).toBe('plain 1 + 2 = 3');
  });
});

describe('htmlPage', () => {
  it('escapes the title and keeps a script from closing its element early', () => {
    const page = htmlPage({ title: '<b>t</b>', body: '<p>body</p>', script: 'const s = "</script><i>";' });
    expect(page).toContain('<title>&lt;b&gt;t&lt;/b&gt;</title>');
    expect(page).toContain('const s = "<\\/script><i>";');
    expect(page.match(/<\/script>/g)).toHaveLength(1);
  });
});

describe('prefixSvgIds', () => {
  it('renames ids and the references to them, so inlined SVGs cannot collide', () => {
    const svg =
      '<svg><clipPath id="clip1"><rect/></clipPath><g clip-path="url(#clip1)"><use href="#clip1"/></g></svg>';
    expect(prefixSvgIds(svg, 'curves')).toBe(
      '<svg><clipPath id="curves-clip1"><rect/></clipPath><g clip-path="url(#curves-clip1)"><use href="#curves-clip1"/></g></svg>',
    );
  });
});
