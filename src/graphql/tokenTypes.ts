/** GraphQL types for bearer tokens. Thin views, no rules. */
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('Token', { description: 'A bearer token as its user and administrators see it: never the token itself.' })
export class TokenObject {
  @Field(() => ID, { description: 'What revokeToken takes.' }) id!: string;
  @Field(() => String, { description: 'The user it acts as.' }) user!: string;
  @Field(() => String, { nullable: true }) label!: string | null;
  @Field(() => Date) created!: Date;
  @Field(() => Date, { nullable: true, description: 'Null: it never expires.' }) expires!: Date | null;
  @Field(() => Date, {
    nullable: true,
    description: 'When a request last brought it to the database (a process looks a token up at most once per 5 s); null: never used.',
  })
  lastUsed!: Date | null;
}

@ObjectType('NewToken', { description: 'A token just made: the only answer that holds the token itself.' })
export class NewTokenObject extends TokenObject {
  @Field(() => String, { description: 'Send it as Authorization: Bearer <token>. It is not stored and cannot be shown again.' }) token!: string;
}
