import { Router } from 'express';
import { z } from 'zod';
import type { WorkerContext } from '../app.ts';
import { parseBody, sendError } from '../http.ts';

const id = z.string().min(1).max(128);
const CreateSchema = z.object({ id: id.optional(), title: z.string().max(500).optional(), model: z.string().max(200).optional() });
const UpdateSchema = z.object({
  title: z.string().max(500).optional(),
  model: z.string().max(200).nullable().optional(),
  sessionId: z.string().max(200).nullable().optional(),
});
const tokens = z.number().int().min(0).max(1e9);
const MessageSchema = z.object({
  id: id.optional(),
  role: z.enum(['user', 'assistant']),
  content: z.string().max(2_000_000),
  status: z.enum(['complete', 'interrupted', 'error']).optional(),
  inputTokens: tokens.optional(),
  outputTokens: tokens.optional(),
  costUsd: z.number().min(0).max(1e6).optional(),
  attachments: z
    .array(z.object({ name: z.string().max(255), mediaType: z.string().max(255), path: z.string().max(1024) }))
    .max(20)
    .optional(),
});
const MessageUpdateSchema = MessageSchema.pick({
  content: true,
  status: true,
  inputTokens: true,
  outputTokens: true,
  costUsd: true,
}).partial();
const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  before: z.string().max(64).optional(),
});

export function conversationRoutes(ctx: WorkerContext): Router {
  const r = Router();
  const store = ctx.conversations;

  r.get('/api/conversations', (req, res) => {
    const { limit } = parseBody(ListQuerySchema, req.query);
    res.json({ conversations: store.list(limit) });
  });
  r.post('/api/conversations', (req, res) => {
    const input = parseBody(CreateSchema, req.body);
    if (input.id && store.get(input.id)) return sendError(res, 409, 'conflict', 'A conversation with this id exists.');
    res.status(201).json(store.create(input));
  });
  r.get('/api/conversations/:id', (req, res) => {
    const conversation = store.get(req.params.id);
    if (!conversation) return sendError(res, 404, 'not_found', 'No such conversation.');
    res.json({ ...conversation, messages: store.messages(conversation.id) });
  });
  r.patch('/api/conversations/:id', (req, res) => {
    if (!store.get(req.params.id)) return sendError(res, 404, 'not_found', 'No such conversation.');
    res.json(store.update(req.params.id, parseBody(UpdateSchema, req.body)));
  });
  r.delete('/api/conversations/:id', (req, res) => {
    if (!store.remove(req.params.id)) return sendError(res, 404, 'not_found', 'No such conversation.');
    res.status(204).end();
  });

  r.get('/api/conversations/:id/messages', (req, res) => {
    if (!store.get(req.params.id)) return sendError(res, 404, 'not_found', 'No such conversation.');
    res.json({ messages: store.messages(req.params.id, parseBody(ListQuerySchema, req.query)) });
  });
  r.post('/api/conversations/:id/messages', (req, res) => {
    if (!store.get(req.params.id)) return sendError(res, 404, 'not_found', 'No such conversation.');
    const input = parseBody(MessageSchema, req.body);
    if (input.id && store.getMessage(req.params.id, input.id)) return sendError(res, 409, 'conflict', 'A message with this id exists.');
    res.status(201).json(store.addMessage(req.params.id, input));
  });
  r.patch('/api/conversations/:id/messages/:messageId', (req, res) => {
    const updated = store.updateMessage(req.params.id, req.params.messageId, parseBody(MessageUpdateSchema, req.body));
    if (!updated) return sendError(res, 404, 'not_found', 'No such message.');
    res.json(updated);
  });

  return r;
}
