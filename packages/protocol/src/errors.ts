import { z } from 'zod';

/** The one error shape every HTTP API of Fluxy answers with: `{"error":{"code","message"}}`. */
export const ApiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
  }),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

export function apiError(code: string, message: string): ApiError {
  return { error: { code, message } };
}
