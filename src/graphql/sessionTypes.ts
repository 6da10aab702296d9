/** GraphQL types for portal sessions. Thin views, no rules. */
import { Field, ObjectType } from 'type-graphql';
import { UserObject } from './types';

@ObjectType('Session', { description: 'A portal session, carried by the vospace_session cookie.' })
export class SessionObject {
  @Field(() => UserObject) user!: UserObject;
  @Field(() => String, { description: 'Send it as X-CSRF-Token with every mutation by the cookie, and as csrfToken in a graphql-ws connection_init.' })
  csrfToken!: string;
  @Field(() => Date, { description: 'When it ends, however much it is used (session_hours after the sign-in).' }) expires!: Date;
}
