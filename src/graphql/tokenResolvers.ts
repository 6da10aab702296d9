/**
 * GraphQL for bearer tokens: a user's own, and (administrators) anyone's.
 * Arguments in, one call into services/, objects out; services/ decides who may.
 */
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import * as tokens from '../services/tokens';
import type { GqlContext } from './context';
import { NewTokenObject, TokenObject } from './tokenTypes';

const tokenObject = (t: tokens.TokenInfo) => Object.assign(new TokenObject(), { ...t, id: String(t.id) });
const USER = { nullable: true, description: 'Whose tokens: default the caller; another user only for administrators.' };

@Resolver()
export class TokenResolver {
  @Query(() => [TokenObject], { description: "A user's tokens, oldest first, expired ones included." })
  async tokens(@Arg('user', () => String, USER) user: string | null, @Ctx() ctx: GqlContext): Promise<TokenObject[]> {
    return (await tokens.listTokens(ctx.svc, ctx.who, user)).map(tokenObject);
  }

  @Mutation(() => NewTokenObject, { description: 'A new bearer token, for the caller or (administrators) for the user named.' })
  async createToken(
    @Arg('user', () => String, USER) user: string | null,
    @Arg('label', () => String, { nullable: true, description: 'A note stored with it.' }) label: string | null,
    @Arg('expiresIn', () => Int, { nullable: true, description: 'Lifetime in seconds; none: it never expires.' }) expiresIn: number | null,
    @Ctx() ctx: GqlContext,
  ): Promise<NewTokenObject> {
    const t = await tokens.createToken(ctx.svc, ctx.who, user, { label, expiresInSeconds: expiresIn });
    return Object.assign(new NewTokenObject(), { ...t, id: String(t.id) });
  }

  @Mutation(() => Boolean, { description: "Revokes a token by id: the caller's own, or (administrators) anyone's." })
  async revokeToken(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    await tokens.revokeToken(ctx.svc, ctx.who, id);
    return true;
  }

  @Mutation(() => Int, { description: 'Revokes every token of a user (the caller, or for administrators anyone); how many there were.' })
  async revokeAllTokens(@Arg('user', () => String, USER) user: string | null, @Ctx() ctx: GqlContext): Promise<number> {
    return tokens.revokeAllTokens(ctx.svc, ctx.who, user);
  }
}
