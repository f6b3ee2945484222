// Options of the data channel: cipher negotiation (data-ciphers and friends) and compression.
//
// The data channel runs in the offload engine, which like the kernel DCO does AEAD ciphers only
// and no compression: CBC ciphers and compression algorithms are errors. The compression stubs
// (comp-lzo no, compress, compress stub, compress stub-v2) are accepted and recorded, with a
// warning that the framing they imply must stay negotiated off.

#include "config/client_handlers.h"

namespace ovpn::config {
namespace {

using H = OptionHandler<DataChannelOptions>;

constexpr std::string_view kNoCompression =
    "the offload engine (like the kernel DCO) has no compression; remove it from the client and "
    "the server configurations";

void warn_stub(const Option& o, OptionContext& ctx) {
  ctx.warn(o,
           "accepted as a stub: ovpnd never compresses, and the compression framing must be "
           "negotiated off (the offload engine, like the kernel DCO, has none)");
}

Status set_cipher_list(const Option& o, OptionContext&, DataChannelOptions& d) {
  auto list = arg_aead_cipher_list(o, 0);
  if (!list) return forward_error(std::move(list));
  d.data_ciphers = std::move(*list);
  return {};
}

const H kTable[] = {
    {"data-ciphers", 1, 1, Inline::kNo, set_cipher_list},
    {"ncp-ciphers", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext& c, DataChannelOptions& d) -> Status {
       c.warn(o, "ncp-ciphers is the old name of data-ciphers");
       return set_cipher_list(o, c, d);
     }},
    {"data-ciphers-fallback", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, DataChannelOptions& d) -> Status {
       auto name = arg_aead_cipher(o, 0);
       if (!name) return forward_error(std::move(name));
       d.data_ciphers_fallback = std::move(*name);
       return {};
     }},
    {"cipher", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, DataChannelOptions& d) -> Status {
       auto name = arg_aead_cipher(o, 0);
       if (!name) return forward_error(std::move(name));
       d.cipher = std::move(*name);
       return {};
     }},
    {"comp-lzo", 0, 1, Inline::kNo,
     [](const Option& o, OptionContext& c, DataChannelOptions& d) -> Status {
       if (o.args.size() != 1 || o.args[0] != "no") {
         return option_unsupported(
             o, std::string("only \"comp-lzo no\" is accepted: ") + std::string(kNoCompression));
       }
       warn_stub(o, c);
       d.compression = CompressionStub::kCompLzoNo;
       return {};
     }},
    {"compress", 0, 1, Inline::kNo,
     [](const Option& o, OptionContext& c, DataChannelOptions& d) -> Status {
       const std::string algo = o.args.empty() ? "stub" : o.args[0];
       if (algo != "stub" && algo != "stub-v2") {
         return option_unsupported(o, quoted(algo) +
                                          " is not accepted (only the stub forms "
                                          "compress, compress stub, compress "
                                          "stub-v2): " +
                                          std::string(kNoCompression));
       }
       warn_stub(o, c);
       d.compression =
           algo == "stub" ? CompressionStub::kCompressStub : CompressionStub::kCompressStubV2;
       return {};
     }},
    {"allow-compression", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, DataChannelOptions& d) -> Status {
       auto k = arg_keyword(o, 0, {"no", "asym", "yes"});
       if (!k) return forward_error(std::move(k));
       d.allow_compression = static_cast<AllowCompression>(*k);
       return {};
     }},
};

}  // namespace

std::span<const OptionHandler<DataChannelOptions>> data_channel_handlers() { return kTable; }

}  // namespace ovpn::config
