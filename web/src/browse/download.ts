/**
 * Downloads through the browser's own download manager: a pullFromVoSpace
 * negotiated for HTTP GET, then a hidden <a download> sent to the endpoint
 * (the storage server answers Content-Disposition: attachment), so the bytes
 * stream to disk whatever their size.
 */
import { request } from '../api/client';
import { graphql } from '../gql';

const PullMutation = graphql(`
  mutation Pull($target: String!) {
    negotiateTransfer(target: $target, direction: "pullFromVoSpace", protocols: ["ivo://ivoa.net/vospace/core#httpget"]) {
      id
      protocols {
        endpoint
      }
    }
  }
`);

export async function download(uri: string, name: string): Promise<void> {
  const { negotiateTransfer: job } = await request(PullMutation, { target: uri });
  const endpoint = job.protocols[0]?.endpoint;
  if (!endpoint) throw new Error(`no download endpoint was offered for ${name}`);
  const a = document.createElement('a');
  a.href = endpoint;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
}
