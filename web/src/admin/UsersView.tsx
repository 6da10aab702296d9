/** Users and groups: add users, set passwords, the admin flag, group membership. */
import { useId, useState } from 'react';
import { request } from '../api/client';
import { graphql } from '../gql';
import { Alert } from '../ui/Alert';
import { Dialog } from '../ui/Dialog';
import { DialogForm } from '../ui/DialogForm';
import { splitNames } from './splitNames';
import { useLoad } from './useLoad';

const UsersQuery = graphql(`
  query AdminUsers {
    users {
      name
      admin
      groups
    }
    groups {
      name
      members
    }
  }
`);

const AddUser = graphql(`
  mutation AdminAddUser($name: String!, $groups: [String!]!, $admin: Boolean!) {
    addUser(name: $name, groups: $groups, admin: $admin) {
      name
    }
  }
`);

const SetPassword = graphql(`
  mutation AdminSetPassword($user: String!, $password: String!) {
    setPassword(user: $user, password: $password)
  }
`);

const SetAdmin = graphql(`
  mutation AdminSetAdmin($user: String!, $admin: Boolean!) {
    setAdmin(user: $user, admin: $admin) {
      name
      admin
    }
  }
`);

const AddGroup = graphql(`
  mutation AdminAddGroup($name: String!, $members: [String!]!) {
    addGroup(name: $name, members: $members) {
      name
    }
  }
`);

const AddGroupMember = graphql(`
  mutation AdminAddGroupMember($user: String!, $group: String!) {
    addGroupMember(user: $user, group: $group) {
      name
    }
  }
`);

const RemoveGroupMember = graphql(`
  mutation AdminRemoveGroupMember($user: String!, $group: String!) {
    removeGroupMember(user: $user, group: $group) {
      name
    }
  }
`);

type Open = { kind: 'addUser' } | { kind: 'addGroup' } | { kind: 'password'; user: string } | { kind: 'groups'; user: string } | null;

export function UsersView() {
  const { data, error, reload } = useLoad(() => request(UsersQuery), []);
  const [open, setOpen] = useState<Open>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const adminHeader = useId();

  /**
   * Runs a change made by a checkbox (not in a dialog): the box shows what was
   * asked while it is sent, then the lists as the service has them.
   */
  const [pending, setPending] = useState<{ key: string; checked: boolean } | null>(null);
  async function change(key: string, checked: boolean, run: () => Promise<unknown>) {
    setPending({ key, checked });
    setFailure(null);
    setDone('');
    try {
      await run();
    } catch (e) {
      setFailure(e);
    }
    await reload();
    setPending(null);
  }
  const shown = (key: string, actual: boolean) => (pending?.key === key ? pending.checked : actual);
  const finished = (message: string) => {
    setOpen(null);
    setFailure(null);
    setDone(message);
    void reload();
  };

  const user = open && 'user' in open ? data?.users.find((u) => u.name === open.user) : undefined;
  return (
    <section aria-labelledby="admin-users">
      <h1 id="admin-users">Users and groups</h1>
      <div className="toolbar">
        <button type="button" onClick={() => setOpen({ kind: 'addUser' })}>
          Add user
        </button>
        <button type="button" onClick={() => setOpen({ kind: 'addGroup' })}>
          Add group
        </button>
      </div>
      <Alert error={error ?? (open ? null : failure)} />
      <p role="status">{done}</p>
      {data && (
        <>
          <table>
            <caption>Users</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" id={adminHeader}>
                  Administrator
                </th>
                <th scope="col">Groups</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.users.map((u) => (
                <tr key={u.name}>
                  <th scope="row">{u.name}</th>
                  <td>
                    <input
                      type="checkbox"
                      aria-labelledby={adminHeader}
                      checked={shown(`admin:${u.name}`, u.admin)}
                      disabled={pending !== null}
                      onChange={(e) => {
                        const admin = e.currentTarget.checked;
                        void change(`admin:${u.name}`, admin, () => request(SetAdmin, { user: u.name, admin }));
                      }}
                    />
                  </td>
                  <td>{u.groups.join(', ')}</td>
                  <td className="actions">
                    <button type="button" onClick={() => setOpen({ kind: 'password', user: u.name })}>
                      Set password
                    </button>
                    <button type="button" onClick={() => setOpen({ kind: 'groups', user: u.name })}>
                      Groups
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <table>
            <caption>Groups</caption>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Members</th>
              </tr>
            </thead>
            <tbody>
              {data.groups.map((g) => (
                <tr key={g.name}>
                  <th scope="row">{g.name}</th>
                  <td>{g.members.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      {open?.kind === 'addUser' && (
        <DialogForm
          title="Add user"
          action="Add"
          onCancel={() => setOpen(null)}
          onSubmit={async (f) => {
            const name = String(f.get('name')).trim();
            await request(AddUser, { name, groups: splitNames(f.get('groups')), admin: f.get('admin') === 'on' });
            const password = String(f.get('password'));
            if (password) {
              try {
                await request(SetPassword, { user: name, password });
              } catch (e) {
                // The user exists now: say so rather than offer an Add that would be refused.
                setOpen(null);
                setFailure(new Error(`${name} was added, but without a password: ${e instanceof Error ? e.message : String(e)}`));
                void reload();
                return;
              }
            }
            finished(`${name} was added${password ? ' with a password' : ''}.`);
          }}
        >
          <label>
            Name
            <input name="name" required autoFocus autoComplete="off" />
          </label>
          <label>
            Groups
            <input name="groups" autoComplete="off" aria-describedby="add-user-groups" />
          </label>
          <small id="add-user-groups">Comma-separated; new groups are made.</small>
          <label>
            Password
            <input name="password" type="password" autoComplete="new-password" aria-describedby="add-user-password" />
          </label>
          <small id="add-user-password">Optional: without one, the user cannot sign in to the portal until it is set.</small>
          <label className="check">
            <input name="admin" type="checkbox" />
            Administrator
          </label>
        </DialogForm>
      )}

      {open?.kind === 'addGroup' && (
        <DialogForm
          title="Add group"
          action="Add"
          onCancel={() => setOpen(null)}
          onSubmit={async (f) => {
            const name = String(f.get('name')).trim();
            await request(AddGroup, { name, members: splitNames(f.get('members')) });
            finished(`Group ${name} was added.`);
          }}
        >
          <label>
            Name
            <input name="name" required autoFocus autoComplete="off" />
          </label>
          <label>
            Members
            <input name="members" autoComplete="off" aria-describedby="add-group-members" />
          </label>
          <small id="add-group-members">Comma-separated names of existing users.</small>
        </DialogForm>
      )}

      {open?.kind === 'password' && (
        <DialogForm
          title={`Set password for ${open.user}`}
          action="Set password"
          onCancel={() => setOpen(null)}
          onSubmit={async (f) => {
            await request(SetPassword, { user: open.user, password: String(f.get('password')) });
            finished(`The password of ${open.user} was set.`);
          }}
        >
          <label>
            New password
            <input name="password" type="password" required autoFocus autoComplete="new-password" />
          </label>
        </DialogForm>
      )}

      {open?.kind === 'groups' && user && data && (
        <Dialog title={`Groups of ${user.name}`} onClose={() => setOpen(null)}>
          <fieldset disabled={pending !== null}>
            <legend>Member of</legend>
            {data.groups.length === 0 && <p>No groups yet: Add group makes one.</p>}
            {data.groups.map((g) => (
              <label key={g.name} className="check">
                <input
                  type="checkbox"
                  checked={shown(`group:${g.name}`, user.groups.includes(g.name))}
                  onChange={(e) => {
                    const vars = { user: user.name, group: g.name };
                    const join = e.currentTarget.checked;
                    void change(`group:${g.name}`, join, () => (join ? request(AddGroupMember, vars) : request(RemoveGroupMember, vars)));
                  }}
                />
                {g.name}
              </label>
            ))}
          </fieldset>
          <Alert error={failure} />
          <div className="buttons">
            <button type="button" onClick={() => setOpen(null)}>
              Close
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
