export const dynamic = 'force-dynamic';

const startedAt = Date.now();

export function GET() {
  return Response.json({ status: 'ok', service: 'web', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
}
