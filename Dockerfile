# Builds the Sluice server image: docker build -t sluice .
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
RUN mvn -B -ntp -DskipTests package

FROM eclipse-temurin:21-jre
RUN useradd --create-home sluice
WORKDIR /opt/sluice
COPY --from=build /src/orchestrator-server/target/sluice.jar /opt/sluice/sluice.jar
COPY --from=build /src/examples /opt/sluice/examples
# Every interface inside the container (Sluice's own default is 127.0.0.1): the published port is the boundary.
ENV SLUICE_HOME=/var/lib/sluice SLUICE_DEFAULT_DAGS=/opt/sluice/examples/dags SLUICE_BIND=0.0.0.0
RUN mkdir -p /var/lib/sluice && chown sluice /var/lib/sluice
USER sluice
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/opt/sluice/sluice.jar"]
CMD ["standalone", "--port", "8080"]
