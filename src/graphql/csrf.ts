/**
 * A mutation authenticated by the session cookie must carry the session's
 * CSRF token in X-CSRF-Token; signIn alone needs none (it proves itself with
 * a password). Apollo's own csrfPrevention (on by default) still refuses
 * simple requests; this also stops a page that could send the cookie and a
 * JSON body but cannot read the token.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind } from 'graphql';
import { FAULT_STATUS } from '../domain/faults';
import { CSRF_HEADER, CSRF_REFUSAL, csrfMatches } from '../http/sessionCookie';
import type { GqlContext } from './context';

const onlySignIn = (selections: readonly { kind: Kind; name?: { value: string } }[]) =>
  selections.every((s) => s.kind === Kind.FIELD && s.name?.value === 'signIn');

export const csrfPlugin: ApolloServerPlugin<GqlContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, contextValue, request }) {
        const session = contextValue.session;
        if (!session || operation?.operation !== 'mutation' || onlySignIn(operation.selectionSet.selections)) return;
        if (csrfMatches(request.http?.headers.get(CSRF_HEADER.toLowerCase()), session)) return;
        const status = FAULT_STATUS.PermissionDenied;
        throw new GraphQLError(`PermissionDenied: ${CSRF_REFUSAL}`, { extensions: { code: 'PermissionDenied', status, http: { status } } });
      },
    };
  },
};
