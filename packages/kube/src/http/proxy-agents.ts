// Proxy agents, loaded with import() only when a proxy applies. Kept behind a module of our own for the kubeseal
// bundle (named exports of lazily loaded CommonJS packages survive bundling only this way).
export { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
export { SocksProxyAgent } from 'socks-proxy-agent';
