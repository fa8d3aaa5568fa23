import type { APIRoute } from 'astro';
import { healthResponse } from '../server/http/probes.ts';

/** Liveness: the process and its database answer (server/http/probes.ts). */
export const GET: APIRoute = ({ locals }) => healthResponse(locals.app);
