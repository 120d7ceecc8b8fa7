import { z } from 'zod';

/**
 * postMessage between the dashboard's widget (`/fluxy/widget.js`) and the chat app in its iframe.
 * Both sides check the origin (the bot's own) before looking at the data. Browser-safe.
 */

/** The widget to the chat. */
export const WidgetToChatSchema = z.discriminatedUnion('type', [
  /** A prompt to put in the composer (the dashboard's idea cards). */
  z.object({ type: z.literal('fluxy:draft'), text: z.string().max(10_000) }),
  /** The browser offers to install the dashboard as an app. */
  z.object({ type: z.literal('fluxy:install-available') }),
  z.object({ type: z.literal('fluxy:install-result'), outcome: z.string() }),
]);
export type WidgetToChat = z.infer<typeof WidgetToChatSchema>;

/** The chat to the widget. */
export const ChatToWidgetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fluxy:close') }),
  z.object({ type: z.literal('fluxy:install-app') }),
  z.object({ type: z.literal('fluxy:onboard-complete') }),
  z.object({ type: z.literal('fluxy:hmr-update'), files: z.array(z.string()).optional() }),
]);
export type ChatToWidget = z.infer<typeof ChatToWidgetSchema>;
