import type { APIRoute } from 'astro';
import { readyResponse } from '../server/http/probes.ts';

/** Readiness: whether to send this process new requests (server/http/probes.ts). */
export const GET: APIRoute = ({ locals }) => readyResponse(locals.app);
