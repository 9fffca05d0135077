"""Mail in and out: `parse` (bytes -> Parsed, pure), `importer` (Parsed ->
tickets through the Store), `notify` (which mails are due, pure) and `smtp`
(sending). Everything here is imported lazily by `tix mail` and `tix notify`."""
