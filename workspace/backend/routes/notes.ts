// An example route file: a tiny notes API stored in app.db. Copy this pattern for new features:
// a file in routes/ that default-exports a Router. Paths here are what the browser calls
// after /app/api, so GET /notes is fetch('/app/api/notes').
import { Router } from 'express';
import { db } from '../db.ts';

db.exec(`CREATE TABLE IF NOT EXISTS notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  text TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (datetime('now'))
)`);

interface Note {
  id: number;
  text: string;
  created_at: string;
}

const router = Router();

router.get('/notes', (_req, res) => {
  const notes = db.prepare('SELECT id, text, created_at FROM notes ORDER BY id DESC LIMIT 100').all() as Note[];
  res.json({ notes });
});

router.post('/notes', (req, res) => {
  const text = typeof req.body?.text === 'string' ? req.body.text.trim() : '';
  if (!text || text.length > 2000) {
    res.status(400).json({ error: { code: 'bad_request', message: 'text must be 1 to 2000 characters' } });
    return;
  }
  const note = db
    .prepare('INSERT INTO notes (text) VALUES (?) RETURNING id, text, created_at')
    .get(text) as Note;
  res.status(201).json({ note });
});

router.delete('/notes/:id', (req, res) => {
  const { changes } = db.prepare('DELETE FROM notes WHERE id = ?').run(Number(req.params.id));
  if (changes === 0) {
    res.status(404).json({ error: { code: 'not_found', message: 'No such note' } });
    return;
  }
  res.status(204).end();
});

export default router;
