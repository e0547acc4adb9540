#include "build/builder.hpp"
#include "layer/tar_reader.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace rt;

namespace {
// A context with one file and the given Dockerfile; a resolver that records
// what it was asked for and refuses everything, as a registry would fail.
struct Fixture {
  TempDir dir{"test-builder"};
  std::vector<std::string> resolved;
  build::BuildOptions options;

  explicit Fixture(const std::string& dockerfile) {
    std::ofstream(dir.path() + "/f") << "f\n";
    std::ofstream(dir.path() + "/Dockerfile") << dockerfile;
    options.dockerfile = dir.path() + "/Dockerfile";
    options.context_dir = dir.path();
    options.store_root = dir.path() + "/cache";
    options.platform = oci::Platform::parse("linux/amd64");
    options.resolve_image = [this](const std::string& ref, const oci::Platform&) -> oci::Image {
      resolved.push_back(ref);
      if (ref != "lower") throw InputError("invalid image reference '" + ref + "'");
      throw RuntimeError("no registry in unit tests");
    };
  }
};
} // namespace

TEST_CASE("build_image") {
  SECTION("COPY --from=N beyond the stages is an error of its line, not an image to pull") {
    Fixture fx("FROM scratch\nCOPY --from=3 f /\n");
    try {
      build::build_image(fx.options);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains("Dockerfile:2:") && Catch::Contains("stage index"));
    }
    CHECK(fx.resolved.empty());
  }
  SECTION("COPY --from=N names the N-th stage") {
    Fixture fx("FROM scratch\nCOPY f /g\nFROM scratch\nCOPY --from=0 /g /h\n");
    auto r = build::build_image(fx.options);
    CHECK(r.image.layers.size() == 1);
    CHECK(fx.resolved.empty());
  }
  SECTION("FROM N is an image name, not a stage index") {
    Fixture fx("FROM scratch\nCOPY f /f\nFROM 0\n");
    CHECK_THROWS_AS(build::build_image(fx.options), InputError);
    CHECK(fx.resolved == std::vector<std::string>{"0"});
  }
  SECTION("a reference the resolver refuses is reported at the line naming it") {
    Fixture fx("FROM scratch\nCOPY --from=Bad f /\n");
    try {
      build::build_image(fx.options);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains("Dockerfile:2:") && Catch::Contains("'Bad'"));
    }
  }
  SECTION("stage names follow BuildKit's rule: a letter, then letters, digits, '-', '_', '.'") {
    Fixture ok("FROM scratch AS Build.stage_1-x\nCOPY f /\nFROM build.stage_1-x\n");
    CHECK(build::build_image(ok.options).image.layers.size() == 1);
    for (const char* name : {"1", "1bad", "b@d"}) {
      Fixture bad(std::string("FROM scratch AS ") + name + "\nCOPY f /\n");
      CHECK_THROWS_WITH(build::build_image(bad.options),
                        Catch::Contains("Dockerfile:1:") && Catch::Contains("invalid name"));
    }
  }
  SECTION("a run-time failure of the resolver stays a run-time failure") {
    Fixture fx("FROM lower\n");
    CHECK_THROWS_AS(build::build_image(fx.options), RuntimeError);
  }
}

TEST_CASE("build_image: COPY and ADD heredocs become files") {
  const std::string dockerfile = "FROM scratch\n"
                                 "ARG NAME=world\n"
                                 "ENV GREETING=hello\n"
                                 "COPY <<EOF /etc/motd\n"
                                 "$GREETING ${NAME} \"$NAME\" '$NAME' \\$NAME\n"
                                 "don't panic\n"
                                 "EOF\n"
                                 "COPY --chmod=0755 --chown=1:2 <<a <<'b' f /dir/\n"
                                 "A $NAME\n"
                                 "a\n"
                                 "B $NAME\n"
                                 "b\n"
                                 "ADD <<-EOT /x/y\n"
                                 "\tz\n"
                                 "\tEOT\n";
  struct File {
    uint32_t mode, uid, gid;
    int64_t mtime;
    std::string content;
  };
  auto build = [&](std::map<std::string, File>& files) {
    Fixture fx(dockerfile);
    fx.options.source_date_epoch = 1700000000;
    auto r = build::build_image(fx.options);
    for (const auto& l : r.image.layers) {
      auto src = l->open();
      layer::read_tar(
          *src,
          [&](const layer::TarEntry& e, layer::EntryData& data) {
            if (e.type != layer::EntryType::file) return;
            std::string content;
            char buf[256];
            for (size_t n; (n = data.read(buf, sizeof buf)) > 0;)
              content.append(buf, n);
            files[e.path] = {e.mode, e.uid, e.gid, e.mtime, content};
          },
          "layer");
    }
    std::vector<std::string> digests;
    for (const auto& l : r.image.layers)
      digests.push_back(l->descriptor().digest.str());
    return digests;
  };
  std::map<std::string, File> files, again;
  auto digests = build(files);
  REQUIRE(digests.size() == 3);
  CHECK(build(again) == digests); // a second run, another context directory: the same layers

  REQUIRE(files.count("etc/motd"));
  // BuildKit's SkipProcessQuotes: quotes are plain characters, '$NAME' expands too.
  CHECK(files["etc/motd"].content == "hello world \"world\" 'world' $NAME\ndon't panic\n");
  CHECK(files["etc/motd"].mode == 0644);
  CHECK(files["etc/motd"].uid == 0);
  CHECK(files["etc/motd"].mtime == 1700000000);
  CHECK(files["dir/a"].content == "A world\n");
  CHECK(files["dir/b"].content == "B $NAME\n");
  CHECK(files["dir/f"].content == "f\n");
  for (const char* p : {"dir/a", "dir/b", "dir/f"}) {
    CHECK(files[p].mode == 0755);
    CHECK((files[p].uid == 1 && files[p].gid == 2));
  }
  CHECK(files["x/y"].content == "z\n");
  CHECK(files["x/y"].mode == 0644);
}

TEST_CASE("build_image: heredoc errors are the instruction's") {
  Fixture dest("FROM scratch\nCOPY f <<EOF\nx\nEOF\n");
  CHECK_THROWS_WITH(build::build_image(dest.options),
                    Catch::Contains("Dockerfile:2: COPY cannot accept a heredoc as a destination"));
  Fixture several("FROM scratch\nCOPY <<a <<b /file\na\nb\n");
  CHECK_THROWS_WITH(build::build_image(several.options),
                    Catch::Contains("Dockerfile:2: with more than one source"));
  Fixture run("FROM scratch\nCOPY <<EOF /x\nEOF\nRUN <<EOF\nmake\nEOF\n");
  CHECK_THROWS_WITH(build::check_dockerfile(run.options.dockerfile, {}),
                    Catch::Contains("Dockerfile:4: RUN is not supported"));
}

TEST_CASE("check_dockerfile") {
  SECTION("what build_image refuses before building, without a context or registry") {
    Fixture fx("FROM lower AS a\nCOPY f /\nFROM a AS b\nRUN make\n");
    CHECK_THROWS_WITH(build::check_dockerfile(fx.options.dockerfile, {"a"}),
                      Catch::Contains("Dockerfile:4:") && Catch::Contains("RUN is not supported"));
    CHECK(fx.resolved.empty());
  }
  SECTION("every target must be a stage, by name or index") {
    Fixture fx("FROM lower AS a\nCOPY f /\nFROM scratch AS B\n");
    CHECK_NOTHROW(build::check_dockerfile(fx.options.dockerfile, {"a", "b", "B", "0", "1"}));
    CHECK_THROWS_WITH(build::check_dockerfile(fx.options.dockerfile, {"a", "c"}),
                      Catch::Contains("target stage 'c' not found"));
    CHECK_THROWS_AS(build::check_dockerfile(fx.options.dockerfile, {"2"}), InputError);
    CHECK(fx.resolved.empty());
  }
  SECTION("bad stage names, instructions before FROM, flags, no FROM") {
    for (const char* text : {"FROM scratch AS 1bad\n", "COPY f /\nFROM scratch\n",
                             "FROM scratch\nCOPY --frobnicate f /\n", "ARG X=1\n"}) {
      Fixture fx(text);
      CHECK_THROWS_AS(build::check_dockerfile(fx.options.dockerfile, {}), InputError);
      CHECK_THROWS_AS(build::build_image(fx.options), InputError);
    }
  }
}

TEST_CASE("build_image: the base annotations name the registry image, fully qualified") {
  // An empty base image, served by a resolver that records what it was asked for.
  oci::Image base = oci::make_image(
      R"({"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}})",
      {});
  auto annotations = [](const oci::Image& img) {
    return nlohmann::json::parse(img.manifest).value("annotations", nlohmann::json::object());
  };
  auto build = [&](const std::string& dockerfile, std::map<std::string, std::string> named = {}) {
    Fixture fx(dockerfile);
    fx.options.named_contexts = std::move(named);
    fx.options.resolve_image = [&](const std::string& ref, const oci::Platform&) {
      fx.resolved.push_back(ref);
      return base;
    };
    auto r = build::build_image(fx.options);
    CHECK(r.base_digest == base.digest().str());
    return std::make_pair(annotations(r.image), fx.resolved);
  };
  const std::string digest = base.digest().str();

  auto [from, asked] = build("FROM alpine:3\nCOPY f /\n");
  CHECK(asked == std::vector<std::string>{"alpine:3"});
  CHECK(from["org.opencontainers.image.base.name"] == "docker.io/library/alpine:3");
  CHECK(from["org.opencontainers.image.base.digest"] == digest);

  // The context's name ("base") is the Dockerfile's business; the image is the REF.
  auto [ctx, ctx_asked] = build("FROM base\nCOPY f /\n", {{"base", "docker-image://alpine:3"}});
  CHECK(ctx_asked == std::vector<std::string>{"alpine:3"});
  CHECK(ctx["org.opencontainers.image.base.name"] == "docker.io/library/alpine:3");
  CHECK(ctx["org.opencontainers.image.base.digest"] == digest);
  CHECK(ctx == from);

  auto [reg, reg_asked] = build("FROM b AS x\nFROM x\nCOPY f /\n",
                                {{"b", "docker-image://127.0.0.1:5000/team/base:1.0"}});
  CHECK(reg["org.opencontainers.image.base.name"] == "127.0.0.1:5000/team/base:1.0");
}
