// The TypeScript SDK is generated from the committed document: `make sdk`.
export default {
  input: '../../openapi/openapi.json',
  output: { path: 'src/client' },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
};
