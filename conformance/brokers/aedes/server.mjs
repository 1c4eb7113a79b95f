// aedes (npm) as a broker under test: one TCP listener on 127.0.0.1:PORT, in-memory persistence,
// every option at the package's default. Started by ../aedes.sh, which installs the pinned
// package-lock.json into a cache directory and passes it here:
//   node server.mjs PORT NODE_MODULES_PARENT
// The package is an ES module, which NODE_PATH does not reach, so it is imported from the cache
// directory by path. SIGTERM/SIGINT close the clients and the listener, then exit 0.
import net from 'node:net'
import path from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const [portArg, modules] = process.argv.slice(2)
const port = Number(portArg)
if (!Number.isInteger(port) || port < 1 || port > 65535 || !modules) {
  console.error('usage: node server.mjs PORT NODE_MODULES_PARENT')
  process.exit(2)
}
const resolve = createRequire(path.join(path.resolve(modules), 'package.json')).resolve
const { Aedes } = await import(pathToFileURL(resolve('aedes')).href)
const broker = await Aedes.createBroker()
// Why aedes dropped a client, on stderr (the runner keeps it in the broker's log file): the
// reports show only that the connection closed.
broker.on('clientError', (client, err) => console.error(`aedes: client ${client?.id}: ${err.message}`))
broker.on('connectionError', (client, err) => console.error(`aedes: connection: ${err.message}`))
const server = net.createServer(broker.handle)
server.on('error', (err) => {
  console.error(`aedes: cannot listen on 127.0.0.1:${port}: ${err.message}`)
  process.exit(1)
})
server.listen(port, '127.0.0.1')

let stopping = false
function stop () {
  if (stopping) return
  stopping = true
  // The runner escalates to SIGKILL after 2 s: never wait for a slow client longer than 1 s.
  setTimeout(() => process.exit(0), 1000).unref()
  server.close()
  broker.close(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
