//! The front end: XML-RPC over HTTP on a unix socket and/or TCP.

pub mod xmlrpc;
