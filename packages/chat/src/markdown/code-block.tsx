import type { Element, ElementContent, Root } from 'hast';
import { memo, type ReactNode, useEffect, useRef, useState } from 'react';

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
  const [seen, setSeen] = useState(false);
  const box = useRef<HTMLDivElement>(null);

  // Highlighted when it first scrolls into view: a long conversation opens without highlighting
  // every block it holds in one go.
  useEffect(() => {
    const el = box.current;
    if (!el || seen) return;
    if (typeof IntersectionObserver === 'undefined') return setSeen(true);
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setSeen(true);
    }, { rootMargin: '200px' });
    observer.observe(el);
    return () => observer.disconnect();
  }, [seen]);

  useEffect(() => {
    let live = true;
    if (!lang || !seen) return;
    import('./highlight.ts')
      .then((m) => m.highlight(code, lang))
      .then((t) => {
        if (live) setTree(t);
      })
      .catch((err) => console.warn('fluxy: no highlighting', lang, err));
    return () => {
      live = false;
    };
  }, [code, lang, seen]);
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
    <div className="code" ref={box}>
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
