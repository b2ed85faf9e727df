// Redirects to the owner (API.md, "Redirects to the owning node"): a bulk client asks with
// `?redirect=true` or `Prefer: redirect`, and a GET or PUT of a file stored on another node is
// answered 307 to that node's advertised URL with a redirect token, so the bytes skip the proxy
// hop. The owner takes the token in place of the API key (redirect-token.ts). Anything else —
// a path stored here, a directory, a missing path, an owner that is not registered — is served
// as usual.
import type { Context } from 'hono';
import { AuthenticationError } from '../files/errors.js';
import type { CallContext, NodeRecord } from '../files/ports.js';
import { callerFor } from '../auth/api-keys.js';
import { booleanQuery } from './directories-routes.js';
import type { EdgeEnv } from './request.js';
import type { RedirectMethod, RedirectTokens } from './redirect-token.js';

/** The query parameter that carries a redirect token. */
export const TOKEN_PARAM = 'redirect_token';

export interface RedirectEdgeOptions {
  tokens: RedirectTokens;
  /** The live owner of a file stored on another node, with the file's identity; else null. */
  remoteOwner(path: string): Promise<{ node: NodeRecord; created: string } | null>;
}

const PREFER_REDIRECT = /(?:^|[,;\s])redirect(?:$|[,;\s=])/i;

function preferRedirect(c: Context<EdgeEnv>): boolean {
  return PREFER_REDIRECT.test(c.req.header('prefer') ?? '');
}

function asked(c: Context<EdgeEnv>): boolean {
  return booleanQuery('redirect', c.req.query('redirect')) || preferRedirect(c);
}

/** `/a/b c` → `/a/b%20c`: each segment encoded, so the owner parses back the same path. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * The caller of a request under /v1/files: the API key's (checked by the app), or else a
 * redirect token's, which binds the call to the file it was issued for.
 */
export function filesCaller(
  c: Context<EdgeEnv>,
  options: RedirectEdgeOptions | undefined,
  method: RedirectMethod,
  path: string,
): Pick<CallContext, 'caller' | 'boundTo'> {
  const caller = c.get('caller');
  if (caller) return { caller };
  const token = c.req.query(TOKEN_PARAM);
  if (!options || token === undefined) throw new AuthenticationError('missing or invalid API key');
  const grant = options.tokens.accept(token, method, path);
  const tokenCaller = callerFor(grant.user);
  c.set('caller', tokenCaller);
  return { caller: tokenCaller, boundTo: grant.created };
}

/** The 307 to the owner when the client asked for one and the file lives elsewhere; else null. */
export async function redirectToOwner(
  c: Context<EdgeEnv>,
  options: RedirectEdgeOptions | undefined,
  ctx: CallContext,
  method: RedirectMethod,
  path: string,
): Promise<Response | null> {
  // A token's request is already at the owner it was issued for: never redirected again.
  if (!options || ctx.boundTo !== undefined || !asked(c)) return null;
  const owner = await options.remoteOwner(path);
  if (!owner) return null;
  const token = options.tokens.issue({
    method,
    path,
    user: ctx.caller.user,
    instanceId: owner.node.instance_id,
    created: owner.created,
  });
  const base = owner.node.http_url.replace(/\/+$/, '');
  const location = `${base}/v1/files${encodePath(path)}?${TOKEN_PARAM}=${token}`;
  const headers: Record<string, string> = {
    Location: location,
    'Cache-Control': 'no-store',
    'X-CallFS-Instance-ID': owner.node.instance_id,
  };
  if (preferRedirect(c)) headers['Preference-Applied'] = 'redirect';
  return c.body(null, 307, headers);
}

/** True when a request under /v1/files may authenticate with a redirect token instead. */
export function carriesRedirectToken(c: Context<EdgeEnv>): boolean {
  return c.req.header('authorization') === undefined && c.req.query(TOKEN_PARAM) !== undefined;
}
