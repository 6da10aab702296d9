import { request, nodeXml } from './helpers/http';
import { startTestService, type TestService } from './helpers/service';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(() => t.close());

test('a user creates a container in their home and reads it back', async () => {
  const token = await t.user('alice');
  const put = await request('PUT', `${t.base}/nodes/alice/d`, { token, body: nodeXml(t.uri('alice/d'), 'vos:ContainerNode') });
  expect(put.status).toBe(201);
  const get = await request('GET', `${t.base}/nodes/alice/d`, { token });
  expect(get.status).toBe(200);
  expect(get.text).toContain('xsi:type="vos:ContainerNode"');
});
