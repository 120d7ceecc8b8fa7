// Model output as Markdown, rendered to React elements from marked's tokens. No HTML string is ever
// put into the page: raw HTML in the answer shows as text, so it cannot run script or load anything.
// Links go out only as http(s)/mailto; images load only from data: URLs (a remote image would tell
// a third party that the answer was read, and when).
import { type Token, type Tokens, lexer } from 'marked';
import { memo, type ReactNode } from 'react';
import { CodeBlock } from './code-block.tsx';

export function safeHref(href: string): string | undefined {
  const trimmed = href.trim();
  if (/^(https?:|mailto:)/i.test(trimmed)) {
    try {
      const url = new URL(trimmed);
      if (url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:') return url.href;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function safeImageSrc(href: string): string | undefined {
  return /^data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]+$/i.test(href.trim()) ? href.trim() : undefined;
}

function inline(tokens: Token[] | undefined, key = ''): ReactNode[] {
  return (tokens ?? []).map((t, i) => renderInline(t, `${key}${i}`));
}

function renderInline(token: Token, key: string): ReactNode {
  switch (token.type) {
    case 'text': {
      const t = token as Tokens.Text;
      return t.tokens ? <span key={key}>{inline(t.tokens, key)}</span> : t.text;
    }
    case 'escape':
      return (token as Tokens.Escape).text;
    case 'strong':
      return <strong key={key}>{inline((token as Tokens.Strong).tokens, key)}</strong>;
    case 'em':
      return <em key={key}>{inline((token as Tokens.Em).tokens, key)}</em>;
    case 'del':
      return <del key={key}>{inline((token as Tokens.Del).tokens, key)}</del>;
    case 'codespan':
      return <code key={key}>{(token as Tokens.Codespan).text}</code>;
    case 'br':
      return <br key={key} />;
    case 'link': {
      const t = token as Tokens.Link;
      const href = safeHref(t.href);
      const children = inline(t.tokens, key);
      if (!href) return <span key={key}>{children}</span>;
      return (
        <a key={key} href={href} target="_blank" rel="noopener noreferrer nofollow" title={t.title ?? undefined}>
          {children}
        </a>
      );
    }
    case 'image': {
      const t = token as Tokens.Image;
      const src = safeImageSrc(t.href);
      if (src) return <img key={key} src={src} alt={t.text} />;
      const href = safeHref(t.href);
      // A remote picture becomes a link the user may choose to open, never an automatic load.
      return href ? (
        <a key={key} href={href} target="_blank" rel="noopener noreferrer nofollow">
          {t.text || 'image'}
        </a>
      ) : (
        t.text
      );
    }
    case 'html':
      return (token as Tokens.HTML).text;
    case 'checkbox':
      return <input key={key} type="checkbox" checked={(token as Tokens.Checkbox).checked} readOnly disabled />;
    default:
      return 'raw' in token && typeof token.raw === 'string' ? token.raw : null;
  }
}

function renderBlock(token: Token, key: string): ReactNode {
  switch (token.type) {
    case 'space':
    case 'def':
      return null;
    case 'code': {
      const t = token as Tokens.Code;
      return <CodeBlock key={key} code={t.text} lang={t.lang?.split(/\s/)[0] ?? ''} />;
    }
    case 'heading': {
      const t = token as Tokens.Heading;
      const Tag = `h${Math.min(6, Math.max(3, t.depth + 2))}` as 'h3';
      return <Tag key={key}>{inline(t.tokens, key)}</Tag>;
    }
    case 'paragraph':
      return <p key={key}>{inline((token as Tokens.Paragraph).tokens, key)}</p>;
    case 'blockquote':
      return <blockquote key={key}>{blocks((token as Tokens.Blockquote).tokens, key)}</blockquote>;
    case 'hr':
      return <hr key={key} />;
    case 'list': {
      const t = token as Tokens.List;
      const items = t.items.map((item, i) => (
        <li key={`${key}-${i}`}>{item.loose ? blocks(item.tokens, `${key}-${i}`) : item.tokens.map((c, j) => (c.type === 'text' ? inline((c as Tokens.Text).tokens ?? [c], `${key}-${i}-${j}`) : renderBlock(c, `${key}-${i}-${j}`)))}</li>
      ));
      return t.ordered ? (
        <ol key={key} start={t.start === '' || t.start === 1 ? undefined : t.start}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case 'table': {
      const t = token as Tokens.Table;
      const align = (a: Tokens.TableCell['align']) => (a ? { textAlign: a } : undefined);
      return (
        <div key={key} className="table-wrap">
          <table>
            <thead>
              <tr>
                {t.header.map((c, i) => (
                  <th key={i} style={align(c.align)}>
                    {inline(c.tokens, `${key}h${i}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {t.rows.map((row, r) => (
                <tr key={r}>
                  {row.map((c, i) => (
                    <td key={i} style={align(c.align)}>
                      {inline(c.tokens, `${key}r${r}c${i}`)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    }
    case 'html':
      // Shown as the text it is: the model's HTML is never HTML here.
      return <p key={key}>{(token as Tokens.HTML).text}</p>;
    case 'text': {
      const t = token as Tokens.Text;
      return <p key={key}>{t.tokens ? inline(t.tokens, key) : t.text}</p>;
    }
    default:
      return renderInline(token, key);
  }
}

function blocks(tokens: Token[], key = ''): ReactNode[] {
  return tokens.map((t, i) => renderBlock(t, `${key}b${i}`));
}

/** Renders Markdown; memoised on the text, so an unchanged message never re-parses. */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  let tokens: Token[];
  try {
    tokens = lexer(text, { gfm: true, breaks: true });
  } catch (err) {
    console.error('fluxy: cannot parse Markdown', err);
    return <p>{text}</p>;
  }
  return <div className="md">{blocks(tokens)}</div>;
});
