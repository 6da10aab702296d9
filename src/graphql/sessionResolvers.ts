/**
 * GraphQL for signing in to the portal: the session cookie, passwords and the
 * admin flag. Arguments in, one call into services/, objects out (and the
 * cookie set or cleared); services/ decides who may.
 */
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { fault } from '../domain/faults';
import { clearSessionCookie, setSessionCookie } from '../http/sessionCookie';
import * as passwords from '../services/passwords';
import * as sessions from '../services/sessions';
import * as users from '../services/users';
import type { GqlContext } from './context';
import { SessionObject } from './sessionTypes';
import { UserObject } from './types';

type User = { name: string; admin: boolean; groups: readonly string[] };
const userObject = (u: User) => Object.assign(new UserObject(), { name: u.name, admin: u.admin, groups: [...u.groups] });
const sessionObject = (u: User, csrfToken: string, expires: Date) => Object.assign(new SessionObject(), { user: userObject(u), csrfToken, expires });

/** The HTTP exchange, which only an HTTP request has: a WebSocket message cannot set a cookie. */
function httpOf(ctx: GqlContext, what: string): NonNullable<GqlContext['http']> {
  if (!ctx.http) throw fault('OperationNotSupported', `${what} needs an HTTP request (POST /graphql): only its answer can set the cookie`);
  return ctx.http;
}

@Resolver()
export class SessionResolver {
  @Query(() => SessionObject, { nullable: true, description: "The session of the caller's cookie; null without one (or when a bearer token is sent)." })
  session(@Ctx() ctx: GqlContext): SessionObject | null {
    const s = ctx.session;
    return s ? sessionObject({ name: s.identity.name!, admin: s.identity.admin, groups: s.identity.groups }, s.csrfToken, s.expires) : null;
  }

  @Mutation(() => SessionObject, { description: 'Signs in with a password: sets the vospace_session cookie. Needs no X-CSRF-Token.' })
  async signIn(
    @Arg('name', () => String) name: string,
    @Arg('password', () => String) password: string,
    @Ctx() ctx: GqlContext,
  ): Promise<SessionObject> {
    const { req, res } = httpOf(ctx, 'signIn');
    const s = await sessions.signIn(ctx.svc, name, password, ctx.address, ctx.session?.hash);
    setSessionCookie(req, res, s.token, s.expires);
    return sessionObject({ name: s.user.name, admin: s.user.isAdmin, groups: s.user.groups }, s.csrfToken, s.expires);
  }

  @Mutation(() => Boolean, { description: "Ends the cookie's session on the server and clears the cookie; whether there was a session." })
  async signOut(@Ctx() ctx: GqlContext): Promise<boolean> {
    const { req, res } = httpOf(ctx, 'signOut');
    const ended = ctx.session ? await sessions.endSession(ctx.svc, ctx.session.hash) : false;
    clearSessionCookie(req, res);
    return ended;
  }

  @Mutation(() => Boolean, {
    description: "Sets a user's password: administrators anyone's, a user their own with currentPassword. Ends that user's other sessions.",
  })
  async setPassword(
    @Arg('user', () => String) user: string,
    @Arg('password', () => String) password: string,
    @Arg('currentPassword', () => String, { nullable: true }) currentPassword: string | null,
    @Ctx() ctx: GqlContext,
  ): Promise<boolean> {
    await passwords.setPassword(ctx.svc, ctx.who, user, password, { currentPassword, address: ctx.address, keepSession: ctx.session?.hash });
    return true;
  }

  @Mutation(() => UserObject, { description: "Gives or takes a user's administrator flag (administrators only; not from the last one)." })
  async setAdmin(@Arg('user', () => String) user: string, @Arg('admin', () => Boolean) admin: boolean, @Ctx() ctx: GqlContext): Promise<UserObject> {
    const u = await users.setAdmin(ctx.svc, ctx.who, user, admin);
    return userObject({ name: u.name, admin: u.isAdmin, groups: u.groups });
  }
}
