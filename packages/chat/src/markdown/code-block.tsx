import type { Element, ElementContent, Root } from 'hast';
import { memo, type ReactNode, useEffect, useState } from 'react';

function toReact(nodes: ElementContent[], key: string): ReactNode[] {
  return nodes.map((node, i) => {
    if (node.type === 'text') return node.value;
    if (node.type !== 'element') return null;
    const el = node as Element;
    const className = Array.isArray(el.properties.className) ? el.properties.className.join(' ') : undefined;
    // Only spans with classes come out of the highlighter; nothing else is rendered.
    return (
      <span key={`${key}${i}`} className={className}>
        {toReact(el.children, `${key}${i}-`)}
      </span>
    );
  });
}

/** A fenced code block: plain at once, highlighted as soon as its grammar has loaded. */
export const CodeBlock = memo(function CodeBlock({ code, lang }: { code: string; lang: string }) {
  const [tree, setTree] = useState<Root | null>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    let live = true;
    if (!lang) return;
    import('./highlight.ts')
      .then((m) => m.highlight(code, lang))
      .then((t) => {
        if (live) setTree(t);
      })
      .catch((err) => console.warn('fluxy: no highlighting', lang, err));
    return () => {
      live = false;
    };
  }, [code, lang]);
  const copy = () => {
    navigator.clipboard?.writeText(code).then(
      () => {
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      },
      (err) => console.warn('fluxy: cannot copy', err),
    );
  };
  return (
    <div className="code">
      <div className="code-bar">
        <span>{lang || 'text'}</span>
        <button type="button" className="link-btn" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <pre>
        <code className={lang ? `hljs language-${lang}` : 'hljs'}>{tree ? toReact(tree.children as ElementContent[], 'h') : code}</code>
      </pre>
    </div>
  );
});
