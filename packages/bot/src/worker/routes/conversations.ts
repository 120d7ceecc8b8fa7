import { Router } from 'express';
import {
  ConversationChangeSchema,
  ListQuerySchema,
  MessageChangeSchema,
  NewConversationSchema,
  NewMessageSchema,
} from '@fluxy/protocol';
import type { WorkerContext } from '../context.ts';
import { parseBody, sendError } from '../http.ts';

export function conversationRoutes(ctx: WorkerContext): Router {
  const r = Router();
  const store = ctx.conversations;

  r.get('/api/conversations', (req, res) => {
    const { limit } = parseBody(ListQuerySchema, req.query);
    res.json({ conversations: store.list(limit) });
  });
  r.post('/api/conversations', (req, res) => {
    const input = parseBody(NewConversationSchema, req.body);
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
    res.json(store.update(req.params.id, parseBody(ConversationChangeSchema, req.body)));
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
    const input = parseBody(NewMessageSchema, req.body);
    if (input.id && store.getMessage(req.params.id, input.id)) return sendError(res, 409, 'conflict', 'A message with this id exists.');
    if (input.clientMessageId && store.findByClientMessageId(input.clientMessageId)) {
      return sendError(res, 409, 'conflict', 'A message with this clientMessageId exists.');
    }
    res.status(201).json(store.addMessage(req.params.id, input));
  });
  r.get('/api/messages/by-client-id/:clientMessageId', (req, res) => {
    const found = store.findByClientMessageId(req.params.clientMessageId);
    if (!found) return sendError(res, 404, 'not_found', 'No message with this clientMessageId.');
    res.json(found);
  });
  r.patch('/api/conversations/:id/messages/:messageId', (req, res) => {
    const updated = store.updateMessage(req.params.id, req.params.messageId, parseBody(MessageChangeSchema, req.body));
    if (!updated) return sendError(res, 404, 'not_found', 'No such message.');
    res.json(updated);
  });

  return r;
}
