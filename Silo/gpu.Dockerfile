# The GPU inference silo: the same silo with ONNX Runtime's CUDA provider, on NVIDIA's CUDA 12 + cuDNN 9 runtime
# (what ONNX Runtime 1.31's CUDA provider links against) with the .NET 10 runtime copied in.
# Build from the repository root:  docker build -f Silo/gpu.Dockerfile -t ootd/gpu-silo .
# Models baked in as in Silo/Dockerfile. Kubernetes gives it nvidia.com/gpu and the silo metadata gpu=true.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY Grains.Interfaces/Grains.Interfaces.csproj Grains.Interfaces/
COPY Inference/Inference.csproj Inference/
COPY Grains/Grains.csproj Grains/
COPY ServiceDefaults/ServiceDefaults.csproj ServiceDefaults/
COPY Silo/Silo.csproj Silo/
RUN dotnet restore Silo/Silo.csproj
COPY Grains.Interfaces/ Grains.Interfaces/
COPY Inference/ Inference/
COPY Grains/ Grains/
COPY ServiceDefaults/ ServiceDefaults/
COPY Silo/ Silo/
COPY models/ /app/models/
RUN dotnet publish Silo/Silo.csproj -c Release --no-restore -o /app \
    && rm -f /app/runtimes/*/native/libonnxruntime_providers_tensorrt.so \
    && mkdir -p /app/nuget \
    && cp -r /root/.nuget/packages/microsoft.ml.dnnimagefeaturizer.resnet18 /app/nuget/

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble AS dotnet

FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 AS runtime
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
    && useradd --uid 1654 --user-group --no-create-home --home-dir /tmp --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build /app ./
ENV DOTNET_ROOT=/usr/share/dotnet \
    HOME=/tmp \
    OOTD_MODELS=/app/models \
    NUGET_PACKAGES=/app/nuget \
    OOTD_MODEL_CACHE=/var/cache/ootd/models \
    Orleans__ListenOnAnyHostAddress=true \
    Silo__HttpPort=8080 \
    Inference__Gpu=true \
    Inference__PreferCuda=true \
    DOTNET_gcServer=1
USER 1654
EXPOSE 11111 30000 8080
# no --start-period: dockerfilelint 1.8.0 misreads it; the retries cover the start-up instead
HEALTHCHECK --interval=15s --timeout=5s --retries=12 CMD ["dotnet", "Ootd.Silo.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "Ootd.Silo.dll"]
