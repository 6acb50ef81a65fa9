# Builds the Sluice image: docker build -t sluice .
# One image for every role: the command picks it (standalone, scheduler, server, worker; see docker-compose.yml).
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
RUN mvn -B -ntp -DskipTests package

FROM eclipse-temurin:21-jre
RUN useradd --create-home sluice
WORKDIR /opt/sluice
COPY --from=build /src/sluice-app/target/sluice.jar /opt/sluice/sluice.jar
COPY --from=build /src/examples /opt/sluice/examples
# Every interface inside the container (Sluice's own default is 127.0.0.1): the published port is the boundary.
ENV SLUICE_HOME=/var/lib/sluice SLUICE_DEFAULT_DAGS=/opt/sluice/examples/dags SLUICE_BIND=0.0.0.0
RUN mkdir -p /var/lib/sluice && chown sluice /var/lib/sluice
USER sluice
# 8080: the API and dashboard (server, standalone); a scheduler or worker given --port serves only health,
# readiness and metrics there (docker-compose.yml uses 8081).
EXPOSE 8080 8081
ENTRYPOINT ["java", "-jar", "/opt/sluice/sluice.jar"]
CMD ["standalone", "--port", "8080"]
