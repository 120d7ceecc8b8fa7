// The user message of a Claude turn: plain text, or content blocks when attachments come along
// (images as image blocks, PDFs as document blocks, text files inline, the rest by path).
import type { SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';
import { loadAttachmentParts } from './turn-content.ts';
import type { SavedAttachment } from './types.ts';

export type ClaudeContent = SDKUserMessage['message']['content'];
type Block = Exclude<ClaudeContent, string>[number];

export async function buildClaudeContent(prompt: string, attachments: SavedAttachment[], workspaceDir: string): Promise<ClaudeContent> {
  if (attachments.length === 0) return prompt;
  const blocks: Block[] = [];
  for (const part of await loadAttachmentParts(attachments, workspaceDir)) {
    if (part.kind === 'image') {
      blocks.push({ type: 'text', text: part.note });
      blocks.push({
        type: 'image',
        source: { type: 'base64', media_type: part.mediaType as 'image/png', data: part.base64 },
      });
    } else if (part.kind === 'document') {
      blocks.push({ type: 'text', text: part.note });
      blocks.push({
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: part.base64 },
        title: part.name,
      });
    } else {
      blocks.push({ type: 'text', text: part.text });
    }
  }
  // The API rejects empty text blocks; a message can be attachments alone.
  if (prompt.trim() !== '') blocks.push({ type: 'text', text: prompt });
  return blocks;
}

export function prependText(content: ClaudeContent, text: string): ClaudeContent {
  if (typeof content === 'string') return text + content;
  return [{ type: 'text', text }, ...content];
}
