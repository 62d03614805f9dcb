// A small JSON API on brigade: routes with parameters, request bodies with a
// size limit, errors as JSON, and a user output filter (`?pretty`).
//
//   npx tsx examples/api-app/server.ts          # PORT=... to choose the port
//   curl -s localhost:8080/api/todos?pretty
//   curl -s -X POST localhost:8080/api/todos -H 'content-type: application/json' -d '{"title":"write docs"}'
import { BodyTooLargeError, createServer, type Response } from 'brigade';
import { prettyJson } from './pretty-json-filter.js';

interface Todo {
  id: number;
  title: string;
  done: boolean;
}

const todos = new Map<number, Todo>();
let nextId = 1;
for (const title of ['read DESIGN.md', 'run the benchmarks']) todos.set(nextId, { id: nextId++, title, done: false });

function problem(res: Response, status: number, detail: string): void {
  res.status(status).setHeader('Content-Type', 'application/problem+json').end(JSON.stringify({ status, detail }));
}

const server = createServer({
  port: Number(process.env['PORT'] ?? 8080),
  limits: { maxBodyBytes: 16 * 1024 },
});
server.filter(prettyJson, { path: '/api', contentTypes: ['application/json'] });

server.get('/api/todos', (_req, res) => res.json([...todos.values()]));
server.get('/api/todos/:id', (req, res) => {
  const todo = todos.get(Number(req.params['id']));
  if (!todo) return problem(res, 404, `no todo ${req.params['id']}`);
  res.json(todo);
});
server.post('/api/todos', async (req, res) => {
  let body: unknown;
  try {
    body = await req.json();
  } catch (err) {
    if (err instanceof BodyTooLargeError) return problem(res, 413, 'body too large');
    return problem(res, 400, 'body is not JSON');
  }
  const title = (body as { title?: unknown } | null)?.title;
  if (typeof title !== 'string' || title.length === 0) return problem(res, 422, 'title must be a non-empty string');
  const todo: Todo = { id: nextId++, title, done: false };
  todos.set(todo.id, todo);
  res.status(201).setHeader('Location', `/api/todos/${todo.id}`).json(todo);
});
server.delete('/api/todos/:id', (req, res) => {
  if (!todos.delete(Number(req.params['id']))) return problem(res, 404, `no todo ${req.params['id']}`);
  res.status(204).end();
});

const { host, port } = await server.listen();
console.log(`api example listening on http://${host}:${port}/api/todos`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void server.close().then(() => process.exit(0)));
